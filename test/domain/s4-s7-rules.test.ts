import { expect } from 'chai';
import type { DeviceOptions, LedgerEvent } from '../../domain/events.js';
import { unreadModeOf } from '../../domain/events.js';
import type { Message } from '../../domain/message.js';
import { p2p } from '../support/messages.js';
import { given } from '../projections/given-events.js';

/** The S4 and S7 rules as Given events / Then views, on the session-list fold (each folded twice). */
const A = 'alice';
const MODES: Record<string, Partial<DeviceOptions>> = {
  A: { syncSessionUnread: true },
  B: {},
  C: { db: false },
  D: { db: false, autoMarkRead: true },
};
const registered = (device: string, options: Partial<DeviceOptions> = {}): LedgerEvent => {
  const full = { db: true, syncSessionUnread: false, autoMarkRead: false, ...options };
  return { type: 'DeviceRegistered', data: { device, options: full, mode: unreadModeOf(full) } };
};
const received = (m: Message, device = 'pc'): LedgerEvent => ({
  type: 'MessageReceived', data: { sessionId: `p2p-${m.from}`, message: m, delivery: 'online', device, counting: m.isUnreadable !== false },
});

describe('S4 S7 rules, given events then views', () => {
  for (const mode of ['B', 'C', 'D']) {
    it(`S4 a device's count starts at its registration: mode ${mode} shows no ghost unread for messages recorded before it`, () => {
      given(A, [registered('pc'), received(p2p('bob', A, 1)), received(p2p('bob', A, 2)), registered('tablet', MODES[mode]), received(p2p('bob', A, 3))]).then((r) => {
        expect(r.getSession(A, 'tablet', 'p2p-bob')).to.deep.include({ unread: 1 });
        expect(r.totalUnread(A, 'tablet')).to.equal(1);
        expect(r.getSession(A, 'pc', 'p2p-bob')).to.deep.include({ unread: 3 });
      });
    });
  }
  it('S4 a device\'s count starts at its registration: a mode A device counts earlier messages against the account-wide mark', () => {
    given(A, [received(p2p('bob', A, 1)), received(p2p('bob', A, 2)), registered('tablet', MODES.A)]).then((r) => {
      expect(r.getSession(A, 'tablet', 'p2p-bob')).to.deep.include({ unread: 2 });
    });
  });
  it('S4 read marks are points in the session\'s order: a second message in the same millisecond after a reset counts', () => {
    const reset: LedgerEvent = { type: 'SessionReset', data: { sessionId: 'p2p-bob', device: 'pc', scope: 'device', mark: 5 } };
    given(A, [registered('pc'), received(p2p('bob', A, 5)), reset, received(p2p('bob', A, 5))]).then((r) => {
      expect(r.getSession(A, 'pc', 'p2p-bob')).to.deep.include({ unread: 1 });
    });
  });
  it('S4 read marks are points in the session\'s order: a late message older than what was read never counts', () => {
    const reset: LedgerEvent = { type: 'SessionReset', data: { sessionId: 'p2p-bob', device: 'pc', scope: 'account', mark: 5 } };
    given(A, [registered('pc', MODES.A), received(p2p('bob', A, 5)), reset, received(p2p('bob', A, 4)), received(p2p('bob', A, 5))]).then((r) => {
      expect(r.getSession(A, 'pc', 'p2p-bob')).to.deep.include({ unread: 1 });
    });
  });
});
