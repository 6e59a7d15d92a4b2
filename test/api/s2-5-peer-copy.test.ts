import { expect } from 'chai';
import { p2p } from '../support/messages.js';
import { onEachStore } from '../support/ledger-fixture.js';

/**
 * S2.5: the ledger is the server for every account. An account's own p2p message reaches the peer's
 * list whichever command brought it, with the delivery kind the rule gives, and the command
 * resolves only once the peer's list has it.
 */
onEachStore('S2.5 an account\'s own p2p message reaches the peer whichever command brought it', ({ fx }) => {
  it('S2.5 receiveMessage of one\'s own message: the peer has it online (counting) when the command resolves', async () => {
    const { ledger } = fx();
    const bobPhone = ledger.account('bob', { device: 'phone' });
    await bobPhone.ready;
    await ledger.account('alice', { device: 'laptop' }).receiveMessage(p2p('alice', 'bob', 10, { idClient: 'own-online' }));
    const session = await bobPhone.getLocalSession({ sessionId: 'p2p-alice' });
    expect(session).to.deep.include({ unread: 1 });
    expect(session!.lastMsg).to.deep.include({ idClient: 'own-online', from: 'alice' });
  });

  it('S2.5 a sync batch with one\'s own message: the peer has it as roaming when the sync resolves (mode B does not count it, mode A does)', async () => {
    const { ledger } = fx();
    const bobB = ledger.account('bob', { device: 'phone' });
    const bobA = ledger.account('bob', { device: 'tablet', syncSessionUnread: true });
    await Promise.all([bobB.ready, bobA.ready]);
    await ledger.account('alice').syncMessages({ offline: [p2p('alice', 'bob', 20, { idClient: 'own-offline' })], roaming: [p2p('alice', 'bob', 21, { idClient: 'own-roaming' })] });
    const [b, a] = await Promise.all([bobB.getLocalSession({ sessionId: 'p2p-alice' }), bobA.getLocalSession({ sessionId: 'p2p-alice' })]);
    expect(b).to.deep.include({ unread: 0 });
    expect(b!.lastMsg).to.deep.include({ idClient: 'own-roaming' });
    expect(a).to.deep.include({ unread: 2 });
  });

  it('S2.5 sendMessage: the peer has it online when the send resolves; recorded once however often it is sent or received again', async () => {
    const { ledger } = fx();
    const bob = ledger.account('bob');
    await bob.ready;
    const alice = ledger.account('alice');
    const m = p2p('alice', 'bob', 30, { idClient: 'sent' });
    await alice.sendMessage(m);
    expect(await bob.getLocalSession({ sessionId: 'p2p-alice' })).to.deep.include({ unread: 1 });
    await alice.receiveMessage(m);
    await alice.syncMessages({ roaming: [m] });
    expect(await bob.getLocalSession({ sessionId: 'p2p-alice' })).to.deep.include({ unread: 1 });
    expect((await ledger.history({ account: 'bob', sessionId: 'p2p-alice' })).filter((e) => e.type === 'MessageReceived')).to.have.length(1);
  });
});
