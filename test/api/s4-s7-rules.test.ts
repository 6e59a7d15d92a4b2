import { expect } from 'chai';
import { p2p } from '../support/messages.js';
import { onEachStore } from '../support/ledger-fixture.js';

const MODES = {
  A: { syncSessionUnread: true },
  B: {},
  C: { db: false },
  D: { db: false, autoMarkRead: true },
} as const;

onEachStore('S4 S7 rules through the API', ({ fx, kind }) => {
  for (const mode of ['B', 'C', 'D'] as const) {
    it(`S4 a device's count starts at its registration: a new mode ${mode} tablet shows no ghost unread`, async () => {
      const { ledger } = fx();
      const phone = ledger.account('alice', { device: 'phone' });
      await phone.receiveMessage(p2p('bob', 'alice', 1));
      await phone.receiveMessage(p2p('bob', 'alice', 2));
      const tablet = ledger.account('alice', { device: 'tablet', ...MODES[mode] });
      expect(await tablet.getTotalUnread()).to.equal(0);
      await phone.receiveMessage(p2p('bob', 'alice', 3));
      expect(await tablet.getLocalSession({ sessionId: 'p2p-bob' })).to.deep.include({ unread: 1 });
      expect(await phone.getTotalUnread()).to.equal(3);
    });
  }
  it('S4 a device\'s count starts at its registration: a new mode A device counts against the account-wide mark', async () => {
    const { ledger } = fx();
    const phone = ledger.account('alice', { device: 'phone', ...MODES.A });
    await phone.receiveMessage(p2p('bob', 'alice', 1));
    await phone.receiveMessage(p2p('bob', 'alice', 2));
    const tablet = ledger.account('alice', { device: 'tablet', ...MODES.A });
    expect(await tablet.getTotalUnread()).to.equal(2);
    await phone.resetSessionUnread('p2p-bob');
    expect(await tablet.getTotalUnread()).to.equal(0);
  });
  for (const mode of ['A', 'B', 'C'] as const) {
    it(`S4 read marks are points in the session's order (mode ${mode}): a second message in the same millisecond after a reset counts, a late older one never does`, async () => {
      const { ledger } = fx();
      const view = ledger.account('alice', { device: 'pc', ...MODES[mode] });
      await view.receiveMessage(p2p('bob', 'alice', 500));
      await view.resetSessionUnread('p2p-bob');
      await view.receiveMessage(p2p('bob', 'alice', 400));
      expect(await view.getTotalUnread()).to.equal(0);
      await view.receiveMessage(p2p('bob', 'alice', 500));
      expect(await view.getLocalSession({ sessionId: 'p2p-bob' })).to.deep.include({ unread: 1 });
    });
  }
  it('S4.2 the current session ends when its view closes, recorded as CurrentSessionCleared; later messages count', async () => {
    const { ledger } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    await pc.receiveMessage(p2p('bob', 'alice', 1));
    await pc.setCurrSession('p2p-bob');
    await pc.close();
    const phone = ledger.account('alice', { device: 'phone' });
    await phone.receiveMessage(p2p('bob', 'alice', 2));
    const again = ledger.account('alice', { device: 'pc' });
    expect(await again.getLocalSession({ sessionId: 'p2p-bob' })).to.deep.include({ unread: 1 });
    expect(ledger.reader.currentSession('alice', 'pc')).to.equal(undefined);
    expect((await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).map((e) => e.type)).to.include('CurrentSessionCleared');
  });
  it('S4.2 the current session ends when a view for the device opens again after a crash, and when the ledger closes for the device opens again after a crash', async () => {
    const { ledger } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    await pc.receiveMessage(p2p('bob', 'alice', 1));
    await pc.setCurrSession('p2p-bob');
    // a second handle for the device (another process after a crash) ends the recorded current session
    const reopened = ledger.account('alice', { device: 'pc', onsessions: () => undefined });
    await reopened.getTotalUnread();
    expect(ledger.reader.currentSession('alice', 'pc')).to.equal(undefined);
    await reopened.setCurrSession('p2p-bob');
    await reopened.receiveMessage(p2p('bob', 'alice', 2));
    expect(await reopened.getTotalUnread()).to.equal(0);
    const types = async () => (await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).map((e) => e.type).filter((t) => t === 'CurrentSessionCleared');
    expect(await types()).to.have.length(1);
    if (kind === 'memory' || kind === 'esdb-url') return; // the ledger-close half needs a store that survives close
    const after = await fx().reopen();
    expect((await after.history({ account: 'alice', sessionId: 'p2p-bob' })).map((e) => e.type).filter((t) => t === 'CurrentSessionCleared')).to.have.length(2);
  });
  it('S4.2 while a session is current, the mark follows outgoing and non-counting messages too: nothing recorded while open shows unread after', async () => {
    const { ledger } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    await pc.receiveMessage(p2p('bob', 'alice', 10));
    await pc.setCurrSession('p2p-bob');
    await pc.sendMessage(p2p('alice', 'bob', 20));
    await pc.receiveMessage(p2p('bob', 'alice', 20));
    await pc.resetCurrSession();
    expect(await pc.getTotalUnread()).to.equal(0);
    await pc.receiveMessage(p2p('bob', 'alice', 20));
    expect(await pc.getTotalUnread()).to.equal(1);
  });
});
