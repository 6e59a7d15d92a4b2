import { expect } from 'chai';
import type { DeviceOptions, LedgerEvent } from '../../domain/events.js';
import { unreadModeOf } from '../../domain/events.js';
import type { Message } from '../../domain/message.js';
import { messageKey, type Message as Msg } from '../../domain/message.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
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
  it('S4.2 while a session is current on a device, its mark follows every message, outgoing and non-counting too; once cleared, later messages count', () => {
    const set: LedgerEvent = { type: 'CurrentSessionSet', data: { sessionId: 'p2p-bob', device: 'pc', scope: 'device', mark: 1 } };
    const cleared: LedgerEvent = { type: 'CurrentSessionCleared', data: { sessionId: 'p2p-bob', device: 'pc' } };
    const sent: LedgerEvent = { type: 'MessageSent', data: { sessionId: 'p2p-bob', message: p2p(A, 'bob', 7), delivery: 'online', device: 'pc' } };
    given(A, [registered('pc'), received(p2p('bob', A, 1)), set, received(p2p('bob', A, 5)), sent, cleared, received(p2p('bob', A, 6)), received(p2p('bob', A, 8))]).then((r) => {
      expect(r.currentSession(A, 'pc')).to.equal(undefined);
      expect(r.getSession(A, 'pc', 'p2p-bob')).to.deep.include({ unread: 1 });
    });
  });
  const deletedAt = (scope: 'local' | 'server', point: { time: number; message?: string }, device = 'pc', login?: number): LedgerEvent =>
    ({ type: 'SessionDeleted', data: { sessionId: 'p2p-bob', scope, device, point, ...(login !== undefined && { login }) } });
  const at = (m: Msg) => ({ time: m.time, message: messageKey(m) });
  it('S7.5 a deletion at the newest message hides what the session recorded before it; a message of the same millisecond recorded after revives it', () => {
    const first = p2p('bob', A, 5);
    given(A, [registered('pc'), received(first), deletedAt('server', at(first)), received(p2p('bob', A, 4))]).then((r) => {
      expect(r.getSession(A, 'pc', 'p2p-bob')).to.equal(null);
    });
    given(A, [registered('pc'), received(first), deletedAt('local', at(first), 'pc', 0), received(p2p('bob', A, 5))]).then((r) => {
      expect(r.getSession(A, 'pc', 'p2p-bob')).to.deep.include({ unread: 1 });
    });
  });
  it('S7.5 a point without a message (an empty session\'s updateTime, or an upcast schema 2 deletion at the clock) covers its millisecond whole', () => {
    given(A, [registered('pc'), received(p2p('bob', A, 5)), deletedAt('server', { time: 5 }), received(p2p('bob', A, 5))]).then((r) => {
      expect(r.getSession(A, 'pc', 'p2p-bob')).to.equal(null);
    });
  });
  it('S7.7 a sync of a device without a database forgets its inserts, local deletes and localCustom; a change decided in the login before is stale', () => {
    const kiosk = registered('kiosk', MODES.C);
    const first = p2p('bob', A, 5);
    const inserted: LedgerEvent = { type: 'SessionInserted', data: { sessionId: 'team-t1', scene: 'team', to: 't1', device: 'kiosk', updateTime: 99, login: 0 } };
    const custom = (login: number): LedgerEvent => ({ type: 'LocalCustomUpdated', data: { sessionId: 'p2p-bob', device: 'kiosk', localCustom: `c${login}`, login } });
    const synced: LedgerEvent = { type: 'DeviceSyncStarted', data: { device: 'kiosk' } };
    given(A, [kiosk, received(first), inserted, custom(0), synced, custom(0)]).then((r) => {
      expect(r.allSessions(A, 'kiosk').map((s) => [s.id, s.localCustom])).to.deep.equal([['p2p-bob', undefined]]);
      expect(r.deviceLogin(A, 'kiosk')).to.equal(1);
    });
    given(A, [kiosk, received(first), deletedAt('local', at(first), 'kiosk', 0), synced, custom(1)]).then((r) => {
      expect(r.allSessions(A, 'kiosk').map((s) => [s.id, s.localCustom, s.unread])).to.deep.equal([['p2p-bob', 'c1', 0]]);
    });
  });
  it('S7.3 S7.4 a deletion is a view change: the views that lose the session are told it was removed', () => {
    const projection = new SessionListProjection();
    const events = [registered('pc'), registered('phone'), received(p2p('bob', A, 5)), deletedAt('local', { time: 5 }, 'pc', 0), deletedAt('server', { time: 5 }, 'phone')];
    const changes = events.map((e, i) => projection.apply({ type: e.type, data: e.data, account: A, seq: i + 1 }));
    expect(changes.slice(3)).to.deep.equal([
      [{ account: A, device: 'pc', sessionId: 'p2p-bob', removed: true }],
      [{ account: A, device: 'phone', sessionId: 'p2p-bob', removed: true }],
    ]);
  });
  it('S4.4 a reset of all moves the mark of a session without unread, and tells the view only of sessions whose unread changed', () => {
    const projection = new SessionListProjection();
    const reset = (mark: number): LedgerEvent => ({ type: 'SessionReset', data: { sessionId: 'p2p-bob', device: 'pc', scope: 'device', mark, all: true } });
    const roaming: LedgerEvent = { type: 'MessageReceived', data: { sessionId: 'p2p-bob', message: p2p('bob', A, 9), delivery: 'roaming', device: 'pc', counting: true } };
    const events = [registered('pc'), received(p2p('bob', A, 5)), reset(5), roaming, reset(9), received(p2p('bob', A, 7))];
    const changes = events.map((e, i) => projection.apply({ type: e.type, data: e.data, account: A, seq: i + 1 }));
    expect(changes[2]).to.have.length(1); // unread 1 -> 0
    expect(changes[4]).to.deep.equal([]); // unread stays 0, the mark moves to 9
    expect(projection.reader.getSession(A, 'pc', 'p2p-bob')).to.deep.include({ unread: 0 }); // the late message at 7 is older than the mark
  });
});
