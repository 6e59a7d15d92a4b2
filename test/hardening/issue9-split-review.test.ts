import { expect } from 'chai';
import { Ledger } from '../../application/api/ledger.js';
import type { EventStore, RecordedEvent } from '../../application/ports/event-store.js';
import { RegisterDevice, SyncMessages } from '../../application/write/commands/index.js';
import { MemoryEventStore } from '../../infrastructure/store/memory/memory-store.js';
import { p2p } from '../support/messages.js';
import { rejection } from '../support/rejection.js';

const SESSION = 'ledger/alice/session/p2p/bob';

/** `inner` as another process sees it: appends to SESSION fail at the call numbers in `failing`; close() leaves `inner` open */
function cutting(inner: EventStore, failing: ReadonlySet<number>): EventStore {
  let calls = 0;
  return new Proxy(inner, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key === 'close') return async () => undefined;
      if (key !== 'appendToStream') return typeof value === 'function' ? value.bind(target) : value;
      return (name: string, ...rest: unknown[]) => {
        if (name === SESSION && failing.has(++calls)) return Promise.reject(new Error('the process died here'));
        return (value as (...a: unknown[]) => unknown).call(target, name, ...rest);
      };
    },
  });
}

// just over one append: 1,000 messages of about 1.2 KB each, written as two appends
const offline = Array.from({ length: 1_000 }, (_, i) => p2p('bob', 'alice', 1_000 + i, { idClient: `o-${i}`, text: 'y'.repeat(900) }));
const sync = () => new SyncMessages({ account: 'alice', device: 'laptop', offline });
const split = (e: RecordedEvent) => e.metadata['split'] as [number, number] | undefined;

async function withLedger<T>(store: EventStore, body: (ledger: Ledger) => Promise<T>): Promise<T> {
  const ledger = await Ledger.open({ store, clock: () => 5_000 });
  try {
    return await body(ledger);
  } finally {
    await ledger.close();
  }
}

describe('issue 9 review: a split step cut between two appends, then retried', () => {
  it('issue 9 S10.2 a retry that fits one append finishes the step: another process dispatching the same commandId appends nothing and brings no reset unread back', async function () {
    this.timeout(30_000);
    const memory = new MemoryEventStore();
    await withLedger(cutting(memory, new Set([2])), async (ledger) => {
      await ledger.commands.dispatch(new RegisterDevice({ account: 'alice', device: 'laptop', db: false }));
      await rejection(ledger.commands.dispatch(sync(), { commandId: 'login-1' }));
      const cut = await memory.readStream(SESSION);
      expect(cut.length).to.be.greaterThan(0);
      expect(cut.every((e) => split(e)?.[0] === 0)).to.equal(true);
      await ledger.commands.dispatch(sync(), { commandId: 'login-1' });
      // the rest fit one append: no split mark on the retry's events
      expect((await memory.readStream(SESSION)).slice(cut.length).every((e) => split(e) === undefined)).to.equal(true);
      const view = ledger.account('alice', { device: 'laptop', db: false });
      expect(await view.getTotalUnread()).to.equal(1_000);
      await view.resetSessionUnread('p2p-bob');
      expect(await view.getTotalUnread()).to.equal(0);
    });
    const recorded = (await memory.readStream(SESSION)).length;
    await withLedger(cutting(memory, new Set()), async (ledger) => {
      await ledger.commands.dispatch(sync(), { commandId: 'login-1' });
      expect((await memory.readStream(SESSION)).length).to.equal(recorded);
      expect(await ledger.account('alice', { device: 'laptop', db: false }).getTotalUnread()).to.equal(0);
    });
  });
  it('issue 9 S2.3 S10.3 a sync cut between its appends, then sent again under another commandId: each message once, the list live equals sessionsAt, and the first commandId dispatched late brings no read unread back', async function () {
    this.timeout(30_000);
    const memory = new MemoryEventStore();
    await withLedger(cutting(memory, new Set([2])), async (ledger) => {
      await ledger.commands.dispatch(new RegisterDevice({ account: 'alice', device: 'laptop', db: false }));
      await rejection(ledger.commands.dispatch(sync(), { commandId: 'login-1' }));
      await ledger.commands.dispatch(sync(), { commandId: 'login-2' });
      const events = await memory.readStream(SESSION);
      expect(events.filter((e) => e.type === 'MessageReceived')).to.have.length(1_000);
      const view = ledger.account('alice', { device: 'laptop', db: false });
      expect(await view.getTotalUnread()).to.equal(1_000);
      const { sessions: live } = await view.getLocalSessions({ limit: 10 });
      const replayed = await ledger.sessionsAt({ account: 'alice', device: 'laptop', at: 5_000 });
      expect(replayed.map((s) => [s.id, s.unread, s.lastMsg?.idClient])).to.deep.equal(live.map((s) => [s.id, s.unread, s.lastMsg?.idClient]));
      await view.resetSessionUnread('p2p-bob');
    });
    await withLedger(cutting(memory, new Set()), async (ledger) => {
      await ledger.commands.dispatch(sync(), { commandId: 'login-1' });
      expect((await memory.readStream(SESSION)).filter((e) => e.type === 'MessageReceived')).to.have.length(1_000);
      expect(await ledger.account('alice', { device: 'laptop', db: false }).getTotalUnread()).to.equal(0);
    });
  });
});

// mode C counts the last login's offline batch; a batch written in several appends can have a newer
// login of the same device land between two of them (it is on the account stream, another lane)
describe('issue 9 review: a split offline batch and a newer login between its appends', () => {
  it('issue 9 S3.1 S4 the parts after the login are not counted as a batch of their own: the list equals the batch written whole before the login', async function () {
    this.timeout(30_000);
    const memory = new MemoryEventStore();
    let login: (() => Promise<void>) | undefined;
    let started: (() => void) | undefined;
    const store = new Proxy(memory, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (key !== 'appendToStream') return typeof value === 'function' ? value.bind(target) : value;
        return async (stream: string, events: readonly { type: string; metadata: Record<string, unknown> }[], ...rest: unknown[]) => {
          const second = stream === SESSION && events.some((e) => e.type === 'OfflineBatchSynced' && (e.metadata['split'] as number[] | undefined)?.[0] === 1);
          if (second && login) await login();
          const result = await (value as (...a: unknown[]) => Promise<unknown>).call(target, stream, events, ...rest);
          if (events.some((e) => e.type === 'DeviceSyncStarted')) started?.();
          return result;
        };
      },
    }) as MemoryEventStore;
    await withLedger(store, async (ledger) => {
      const laptop = ledger.account('alice', { device: 'laptop', db: false });
      await laptop.getTotalUnread();
      let relogged: Promise<unknown> | undefined;
      login = async () => {
        login = undefined;
        // the newer sync's DeviceSyncStarted is appended before the batch goes on (carol's session has its own lane)
        const appended = new Promise<void>((resolve) => { started = resolve; });
        relogged = laptop.syncMessages({ offline: [p2p('carol', 'alice', 9_000, { idClient: 'c-1' })] });
        await appended;
      };
      const bigKeys = Array.from({ length: 3_000 }, (_, i) => p2p('bob', 'alice', 1_000 + i, { idClient: `${'k'.repeat(400)}-${i}`, text: 'hi' }));
      await laptop.syncMessages({ offline: bigKeys });
      await relogged;
      expect(login).to.equal(undefined);
      const { sessions } = await laptop.getLocalSessions({});
      expect(sessions.map((s) => [s.id, s.unread])).to.deep.equal([['p2p-carol', 1], ['p2p-bob', 0]]);
      const replayed = await ledger.sessionsAt({ account: 'alice', device: 'laptop', at: 5_000 });
      expect(replayed.map((s) => [s.id, s.unread])).to.deep.equal([['p2p-carol', 1], ['p2p-bob', 0]]);
    });
  });
});

describe('issue 9 review: peer delivery of a split sync', () => {
  it('issue 9 S2.5 the account\'s own messages in a sync written in several appends each reach the peer\'s list once, before the sync resolves', async function () {
    this.timeout(30_000);
    const memory = new MemoryEventStore();
    await withLedger(memory, async (ledger) => {
      const own = Array.from({ length: 1_000 }, (_, i) => p2p('alice', 'bob', 1_000 + i, { idClient: `s-${i}`, text: 'y'.repeat(900) }));
      await ledger.account('alice').syncMessages({ roaming: own });
      const mine = await memory.readStream(SESSION);
      expect(mine.some((e) => Array.isArray(e.metadata['split']))).to.equal(true);
      const copies = (await memory.readStream('ledger/bob/session/p2p/alice')).filter((e) => e.type === 'MessageReceived');
      expect(copies.map((e) => (e.data as { message: { idClient: string } }).message.idClient)).to.deep.equal(own.map((m) => m.idClient));
      const [session] = (await ledger.account('bob').getLocalSessions({})).sessions;
      expect([session?.id, session?.lastMsg?.idClient]).to.deep.equal(['p2p-alice', 's-999']);
    });
  });
});
