import { expect } from 'chai';
import { sessionDecider } from '../../domain/session-decider.js';
import { SessionRef } from '../../domain/session-ref.js';
import { CommandHandler } from '../../application/write/command-handler.js';
import { Ledger, peerDeliveryOf } from '../../application/api/ledger.js';
import { PeerDeliveryError } from '../../application/reactors/peer-delivery.js';
import { SendMessage } from '../../application/write/commands/index.js';
import { MemoryEventStore } from '../../infrastructure/store/memory/memory-store.js';
import { openStore } from '../../infrastructure/create-ledger.js';
import { p2p, messageIds } from '../support/messages.js';
import { openFixture } from '../support/ledger-fixture.js';
import { once, refusingStore } from '../support/refusing-store.js';

/** The reactor's first catch-up, on a shared store (PostgreSQL) once this ledger holds its lease. */
async function reactorCaughtUp(ledger: Ledger): Promise<void> {
  await peerDeliveryOf(ledger).lease?.caughtUp;
}

describe('peer delivery: a p2p message reaches the peer\'s list exactly once', () => {
  for (const kind of ['sqlite', 'postgres'] as const) it(`S2.1 a crash between the sender\'s append and the peer\'s copy loses nothing: the next ledger delivers it [${kind}]`, async () => {
    const fx = await openFixture(kind);
    try {
      const alice = fx.ledger.account('alice');
      await fx.ledger.account('bob').getTotalUnread(); // S4: bob's device counts from its registration
      await alice.sendMessage(p2p('alice', 'bob', 1, { idClient: 'before' }));
      await fx.ledger.close();
      // What a process that died right after the sender's append leaves behind: MessageSent, no peer copy.
      const store = await openStore(fx.storeUrl);
      const ref = SessionRef.of('alice', 'p2p', 'bob');
      await new CommandHandler(store).handle({
        stream: ref.stream, decider: sessionDecider(ref),
        command: { type: 'RecordMessages', device: 'phone', messages: [{ message: p2p('alice', 'bob', 2, { idClient: 'crashed' }), delivery: 'online' }] },
        meta: { commandId: 'c1', commandType: 'SendMessage', correlationId: 'c1', causationId: 'c1', account: 'alice', device: 'phone', at: 2 },
      });
      await store.close();
      const ledger = await fx.reopen();
      await reactorCaughtUp(ledger);
      const bob = await ledger.account('bob').getLocalSession({ sessionId: 'p2p-alice' });
      expect(bob).to.deep.include({ unread: 2 });
      expect(bob!.lastMsg).to.deep.include({ idClient: 'crashed' });
      expect(messageIds(await ledger.history({ account: 'bob', sessionId: 'p2p-alice' }))).to.deep.equal(['before', 'crashed']);
    } finally {
      await fx.close();
    }
  });

  for (const kind of ['sqlite', 'postgres'] as const) it(`S2.1 a peer append refused for good: the send rejects with PeerDeliveryError, and the next ledger delivers it [${kind}]`, async () => {
    const fx = await openFixture(kind);
    try {
      await fx.ledger.close();
      const store = refusingStore(await openStore(fx.storeUrl), 'ledger/bob/', once());
      const faulty = await Ledger.open({ store, clock: () => fx.clock.now });
      await faulty.account('carol').getTotalUnread(); // S4: carol's device counts from its registration
      const error = await faulty.account('alice').sendMessage(p2p('alice', 'bob', 1, { idClient: 'refused' })).catch((e) => e);
      expect(error).to.be.instanceOf(PeerDeliveryError);
      expect(error.message).to.contain("not yet in bob's list");
      // Only that send failed: delivery goes on for everyone else.
      await faulty.account('alice').sendMessage(p2p('alice', 'carol', 2, { idClient: 'fine' }));
      expect((await faulty.account('carol').getLocalSession({ sessionId: 'p2p-alice' }))!.unread).to.equal(1);
      // the store accepts bob's stream again
      const second = await faulty.account('alice').sendMessage(p2p('alice', 'bob', 3, { idClient: 'refused-too', }))
        .then(() => 'ok', (e) => e.name);
      expect(second).to.equal('ok');
      await faulty.close();
      const ledger = await fx.reopen();
      await reactorCaughtUp(ledger);
      expect(messageIds(await ledger.history({ account: 'bob', sessionId: 'p2p-alice' }))).to.deep.equal(['refused-too', 'refused']);
    } finally {
      await fx.close();
    }
  });

  it('S2.1 sending a refused message again (a retry) puts it in the peer\'s list before it resolves', async () => {
    const flaky = refusingStore(new MemoryEventStore(), 'ledger/bob/', once());
    const ledger = await Ledger.open({ store: flaky, clock: () => 1000 });
    try {
      const m = p2p('alice', 'bob', 1, { idClient: 'again' });
      const first = await ledger.commands.dispatch(new SendMessage({ account: 'alice', message: m }), { commandId: 'send-1' }).then(() => 'ok', (e) => e.name);
      expect(first).to.equal('PeerDeliveryError');
      await ledger.commands.dispatch(new SendMessage({ account: 'alice', message: m }), { commandId: 'send-1' });
      expect((await ledger.account('bob').getLocalSession({ sessionId: 'p2p-alice' }))!.lastMsg).to.deep.include({ idClient: 'again' });
      expect(await ledger.history({ account: 'bob', sessionId: 'p2p-alice' })).to.have.length(1);
    } finally {
      await ledger.close();
    }
  });

  it('S2.3 sending the same message twice, or receiving it on the peer\'s side too, records it once per list', async () => {
    const fx = await openFixture('memory');
    try {
      const m = p2p('alice', 'bob', 1, { idClient: 'same' });
      await fx.ledger.account('bob').receiveMessage(m);
      await fx.ledger.account('alice').sendMessage(m);
      await fx.ledger.account('alice').sendMessage({ ...m });
      expect((await fx.ledger.history({ account: 'bob', sessionId: 'p2p-alice' })).length).to.equal(1);
      expect((await fx.ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).length).to.equal(1);
      expect(await fx.ledger.account('bob').getTotalUnread()).to.equal(1);
    } finally {
      await fx.close();
    }
  });
});
