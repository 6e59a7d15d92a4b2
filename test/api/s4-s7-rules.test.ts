import { expect } from 'chai';
import { p2p } from '../support/messages.js';
import { onEachStore } from '../support/ledger-fixture.js';

const MODES = {
  A: { syncSessionUnread: true },
  B: {},
  C: { db: false },
  D: { db: false, autoMarkRead: true },
} as const;

onEachStore('S4 S7 rules through the API', ({ fx }) => {
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
});
