import { expect } from 'chai';
import { ResetAllSessionUnread, ResetCurrentSession, ResetSessionUnread, SendMessage, SetCurrentSession } from '../../application/write/commands/index.js';
import { Ledger } from '../../application/api/ledger.js';
import { MemoryEventStore } from '../../infrastructure/store/memory/memory-store.js';
import { CommandHandler } from '../../application/write/command-handler.js';
import { sessionDecider, type SessionCommand } from '../../domain/session-decider.js';
import { SessionRef } from '../../domain/session-ref.js';
import { p2p } from '../support/messages.js';
import { onEachStore } from '../support/ledger-fixture.js';
import { once, refusingStore } from '../support/refusing-store.js';

// Regressions for the defects found in review (issue 7, item 7); each failed before its fix.
onEachStore('S10.2 a retried command never has a second effect', ({ fx }) => {
  it('S10.2 SetCurrentSession dispatched again after another setCurrSession keeps the later current session', async () => {
    const { ledger, clock } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(p2p('bob', 'alice', 1));
    await v.receiveMessage(p2p('carol', 'alice', 2));
    await ledger.commands.dispatch(new SetCurrentSession({ account: 'alice', sessionId: 'p2p-bob' }), { commandId: 'set-bob' });
    await v.setCurrSession('p2p-carol');
    clock.now += 5;
    await ledger.commands.dispatch(new SetCurrentSession({ account: 'alice', sessionId: 'p2p-bob' }), { commandId: 'set-bob' });
    await v.receiveMessage(p2p('carol', 'alice', clock.now));
    await v.receiveMessage(p2p('bob', 'alice', clock.now));
    expect((await v.getLocalSession({ sessionId: 'p2p-carol' }))!.unread).to.equal(0); // still current
    expect((await v.getLocalSession({ sessionId: 'p2p-bob' }))!.unread).to.equal(1);
  });

  it('S10.2 resetCurrSession dispatched again after a later setCurrSession leaves that one current', async () => {
    const { ledger, clock } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(p2p('bob', 'alice', 1));
    await v.receiveMessage(p2p('carol', 'alice', 2));
    await v.setCurrSession('p2p-bob');
    await ledger.commands.dispatch(new ResetCurrentSession({ account: 'alice' }), { commandId: 'reset-current' });
    await v.setCurrSession('p2p-carol');
    clock.now += 5;
    await ledger.commands.dispatch(new ResetCurrentSession({ account: 'alice' }), { commandId: 'reset-current' });
    await v.receiveMessage(p2p('carol', 'alice', clock.now));
    expect((await v.getLocalSession({ sessionId: 'p2p-carol' }))!.unread).to.equal(0);
  });

  it('S10.2 resetAllSessionUnread dispatched again resets the sessions it chose first, not those unread since', async () => {
    const { ledger, clock } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(p2p('bob', 'alice', 1));
    const first = await ledger.commands.dispatch(new ResetAllSessionUnread({ account: 'alice' }), { commandId: 'reset-all' });
    expect(first).to.deep.equal(['p2p-bob']);
    clock.now += 5;
    await v.receiveMessage(p2p('carol', 'alice', clock.now));
    const again = await ledger.commands.dispatch(new ResetAllSessionUnread({ account: 'alice' }), { commandId: 'reset-all' });
    expect(again).to.deep.equal(['p2p-bob']);
    expect((await v.getLocalSession({ sessionId: 'p2p-carol' }))!.unread).to.equal(1);
  });
});

describe('S10.2 a retry is recognised however old it is', () => {
  async function oldRetry(reopen: boolean): Promise<void> {
    const { openFixture } = await import('../support/ledger-fixture.js');
    const f = await openFixture('sqlite');
    try {
      const v = f.ledger.account('alice');
      await v.receiveMessage(p2p('bob', 'alice', 1));
      await f.ledger.commands.dispatch(new ResetSessionUnread({ account: 'alice', sessionId: 'p2p-bob' }), { commandId: 'old' });
      for (let i = 0; i < 1001; i++) await v.updateLocalSession({ id: 'p2p-bob', localCustom: `c${i}` });
      const ledger = reopen ? await f.reopen() : f.ledger;
      const before = (await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).length;
      await ledger.commands.dispatch(new ResetSessionUnread({ account: 'alice', sessionId: 'p2p-bob' }), { commandId: 'old' });
      expect((await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).length).to.equal(before);
    } finally {
      await f.close();
    }
  }
  it('S10.2 after 1,001 other commands on its stream (state cached)', () => oldRetry(false));
  it('S10.2 after 1,001 other commands on its stream (state loaded from the store)', () => oldRetry(true));
});

describe('API ledger.account() for a device already open', () => {
  it('returns the same view: one registration, one listener, however often it is called', async () => {
    const ledger = await Ledger.open({ store: new MemoryEventStore(), clock: () => 1000 });
    try {
      const first = ledger.account('bob');
      for (let i = 0; i < 1000; i++) expect(ledger.account('bob')).to.equal(first);
      expect(ledger.account('bob', { device: 'pc' })).to.not.equal(first);
      first.close();
      expect(ledger.account('bob')).to.not.equal(first);
    } finally {
      await ledger.close();
    }
  });
});

describe('S10.2 every decision of a command gets its own event id', () => {
  it('two non-message decisions of one command on one stream are both appended', async () => {
    const store = new MemoryEventStore();
    const handler = new CommandHandler(store);
    const ref = SessionRef.of('alice', 'p2p', 'bob');
    const meta = { commandId: 'c1', commandType: 'Custom', correlationId: 'c1', causationId: 'c1', account: 'alice', device: 'pc', at: 5 };
    const step = (command: SessionCommand) => handler.handle({ stream: ref.stream, decider: sessionDecider(ref), command, meta });
    await step({ type: 'RecordMessages', device: 'pc', messages: [{ message: p2p('bob', 'alice', 1), delivery: 'online' }] });
    await step({ type: 'UpdateLocalCustom', device: 'pc', localCustom: 'x' });
    await step({ type: 'ResetUnread', device: 'pc', scope: 'device' });
    const events = await store.readStream(ref.stream);
    expect(events.map((e) => e.type)).to.deep.equal(['MessageReceived', 'LocalCustomUpdated', 'SessionReset']);
    expect(new Set(events.map((e) => e.id)).size).to.equal(3);
  });
});

describe('S2.1 peer-delivery dead letters', () => {
  it('a dead letter delivered by a retried send leaves the checkpoint', async () => {
    const store = new MemoryEventStore();
    const flaky = refusingStore(store, 'ledger/bob/', once(), { keepOpen: true });
    const ledger = await Ledger.open({ store: flaky, clock: () => 1000 });
    const m = p2p('alice', 'bob', 1, { idClient: 'parked' });
    expect(await ledger.commands.dispatch(new SendMessage({ account: 'alice', message: m }), { commandId: 's' }).then(() => 'ok', (e) => e.name)).to.equal('PeerDeliveryError');
    await ledger.commands.dispatch(new SendMessage({ account: 'alice', message: m }), { commandId: 's' });
    await ledger.close();
    const saved = await store.readCheckpoint('peer-delivery');
    expect((saved!.state as { deadLetters: unknown[] }).deadLetters).to.deep.equal([]);
  });
});

describe('S5.3 isMsgRemoteRead never throws', () => {
  it('S10.1 a message whose peer is not well-formed Unicode answers false (the session id alone, no stream name)', async () => {
    const ledger = await Ledger.open({ store: new MemoryEventStore(), clock: () => 1000 });
    try {
      const alice = ledger.account('alice');
      expect(alice.isMsgRemoteRead({ scene: 'p2p', from: 'alice', to: '\uD800', idClient: 'x', type: 'text', time: 1 })).to.equal(false);
    } finally {
      await ledger.close();
    }
  });
});
