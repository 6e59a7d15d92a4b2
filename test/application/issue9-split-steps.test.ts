import { expect } from 'chai';
import { Ledger } from '../../application/api/ledger.js';
import type { EventStore } from '../../application/ports/event-store.js';
import { RegisterDevice, SyncMessages } from '../../application/write/commands/index.js';
import { MemoryEventStore } from '../../infrastructure/store/memory/memory-store.js';
import { p2p } from '../support/messages.js';
import { rejection } from '../support/rejection.js';
import { ValidationError } from '../../application/errors.js';
import { appendsFor } from '../../application/write/append-split.js';

const SESSION = 'ledger/alice/session/p2p/bob';

/** `inner`, whose appends to `stream` fail (as a crash would cut them) at the call numbers in `failing` */
function cutting(inner: EventStore, stream: string, failing: Set<number>): { store: EventStore; calls: () => number } {
  let calls = 0;
  const store = new Proxy(inner, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key !== 'appendToStream') return typeof value === 'function' ? value.bind(target) : value;
      return (name: string, ...rest: unknown[]) => {
        if (name === stream && failing.has(++calls)) return Promise.reject(new Error('the process died here'));
        return (value as (...a: unknown[]) => unknown).call(target, name, ...rest);
      };
    },
  });
  return { store, calls: () => calls };
}

const offline = Array.from({ length: 3_000 }, (_, i) => p2p('bob', 'alice', 1_000 + i, { idClient: `${'k'.repeat(400)}-${i}`, text: 'x'.repeat(600) }));
const sync = () => new SyncMessages({ account: 'alice', device: 'laptop', offline });

describe('issue 9: an event that cannot fit one append', () => {
  it('issue 9 S10.1 a message whose ids alone would outgrow an append is refused by the id limit naming message.idClient, and its session records nothing', async () => {
    const memory = new MemoryEventStore();
    const ledger = await Ledger.open({ store: memory, clock: () => 5_000 });
    try {
      const error = await rejection(ledger.account('alice').receiveMessage(p2p('bob', 'alice', 1, { idClient: 'i'.repeat(1_100_000) })));
      expect(error).to.be.instanceOf(ValidationError);
      expect((error as ValidationError).errors.map((e) => e.field)).to.deep.equal(['message.idClient']);
      expect(await memory.readStream(SESSION)).to.deep.equal([]);
    } finally {
      await ledger.close();
    }
  });

  // The ids and text limits keep every single event of a command well inside one append; this
  // guard stays for whatever they miss, and is shown here with an event built to outgrow it.
  it('issue 9 S10.1 a step with an event that alone outgrows an append is refused with a ValidationError naming message, before any of it is appended', () => {
    const small = { id: 'e1', type: 'MessageReceived', data: { message: { idClient: 'a' } }, metadata: {} };
    const large = { id: 'e2', type: 'MessageReceived', data: { message: { idClient: 'i'.repeat(1_100_000) } }, metadata: {} };
    let error: unknown;
    try {
      appendsFor('ReceiveMessage', [small, large], 2);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.field)).to.deep.equal(['message']);
    expect((error as Error).message).to.match(/MessageReceived of 11\d{5} bytes; an event may take at most 1048544 bytes/);
  });
});

// Issue 9: a step too big for one append is written in several; a crash between two of them must
// neither lose the rest nor double anything when the command is dispatched again (S10.2).
describe('issue 9: a step split over several appends, cut between two of them', () => {
  it('issue 9 S10.2 a sync cut between the appends of its messages records the rest on retry, each message once', async function () {
    this.timeout(30_000);
    const memory = new MemoryEventStore();
    const { store } = cutting(memory, SESSION, new Set([2]));
    const ledger = await Ledger.open({ store, clock: () => 5_000 });
    try {
      await ledger.commands.dispatch(new RegisterDevice({ account: 'alice', device: 'laptop', db: false }));
      expect(String(await rejection(ledger.commands.dispatch(sync(), { commandId: 'login-1' })))).to.contain('the process died here');
      const written = (await memory.readStream(SESSION)).length;
      expect(written).to.be.greaterThan(0).and.lessThan(3_000);
      await ledger.commands.dispatch(sync(), { commandId: 'login-1' });
      const events = await memory.readStream(SESSION);
      const received = events.filter((e) => e.type === 'MessageReceived');
      expect(received).to.have.length(3_000);
      expect(new Set(received.map((e) => e.data.message.idClient)).size).to.equal(3_000);
      expect(new Set(events.map((e) => e.id)).size).to.equal(events.length);
      expect(await ledger.account('alice', { device: 'laptop', db: false }).getTotalUnread()).to.equal(3_000);
    } finally {
      await ledger.close();
    }
  });

  it('issue 9 S10.2 an offline batch cut between its events\' appends is recorded whole on retry, and a third dispatch appends nothing', async function () {
    this.timeout(30_000);
    const memory = new MemoryEventStore();
    const probe = cutting(new MemoryEventStore(), SESSION, new Set());
    const probeLedger = await Ledger.open({ store: probe.store, clock: () => 5_000 });
    await probeLedger.commands.dispatch(new RegisterDevice({ account: 'alice', device: 'laptop', db: false }));
    await probeLedger.commands.dispatch(sync());
    const appends = probe.calls(); // the messages' appends, then the batch's
    await probeLedger.close();
    const { store } = cutting(memory, SESSION, new Set([appends])); // its last append dies
    const ledger = await Ledger.open({ store, clock: () => 5_000 });
    try {
      await ledger.commands.dispatch(new RegisterDevice({ account: 'alice', device: 'laptop', db: false }));
      await rejection(ledger.commands.dispatch(sync(), { commandId: 'login-1' }));
      const parts = (await memory.readStream(SESSION)).filter((e) => e.type === 'OfflineBatchSynced');
      expect(parts.length).to.be.greaterThan(0);
      expect(parts.every((e) => Array.isArray(e.metadata['split']))).to.equal(true);
      await ledger.commands.dispatch(sync(), { commandId: 'login-1' });
      const after = (await memory.readStream(SESSION)).length;
      expect(await ledger.account('alice', { device: 'laptop', db: false }).getTotalUnread()).to.equal(3_000);
      await ledger.commands.dispatch(sync(), { commandId: 'login-1' });
      expect((await memory.readStream(SESSION)).length).to.equal(after);
      expect(await ledger.account('alice', { device: 'laptop', db: false }).getTotalUnread()).to.equal(3_000);
    } finally {
      await ledger.close();
    }
  });
});
