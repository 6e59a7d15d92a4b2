import { expect } from 'chai';
import type { DeviceOptions, LedgerEvent, MarkScope } from '../../domain/events.js';
import { unreadModeOf } from '../../domain/events.js';
import type { Message } from '../../domain/message.js';
import { p2p, team } from '../support/messages.js';
import { given } from './given-events.js';

const A = 'alice';
const registered = (device: string, options: Partial<DeviceOptions> = {}): LedgerEvent => {
  const full = { db: true, syncSessionUnread: false, autoMarkRead: false, ...options };
  return { type: 'DeviceRegistered', data: { device, options: full, mode: unreadModeOf(full) } };
};
const sid = (m: Message) => (m.scene === 'p2p' ? `p2p-${m.from === A ? m.to : m.from}` : `${m.scene}-${m.to}`);
const received = (m: Message, device = 'pc'): LedgerEvent => ({
  type: 'MessageReceived', data: { sessionId: sid(m), message: m, delivery: 'online', device, counting: m.isUnreadable !== false },
});
const sent = (m: Message, device = 'pc'): LedgerEvent => ({ type: 'MessageSent', data: { sessionId: sid(m), message: m, delivery: 'online', device } });
const current = (sessionId: string, mark: number, device = 'pc', scope: MarkScope = 'device'): LedgerEvent => ({ type: 'CurrentSessionSet', data: { sessionId, device, scope, mark } });
/** a deletion at a time: as a schema 2 event read through the upcaster, it covers that millisecond whole */
const deleted = (sessionId: string, scope: 'local' | 'server', at: number, device = 'pc'): LedgerEvent => ({ type: 'SessionDeleted', data: { sessionId, scope, device, point: { time: at } } });
const ids = (list: { id: string }[]) => list.map((s) => s.id);

describe('projection: session list, given events then views (each folded twice)', () => {
  it('S2.1 an incoming message shows its session with unread 1 and the message as lastMsg', () => {
    const m = p2p('bob', A, 10);
    given(A, [registered('pc'), received(m)]).then((r) => {
      expect(r.getSession(A, 'pc', 'p2p-bob')).to.deep.equal({ id: 'p2p-bob', scene: 'p2p', to: 'bob', updateTime: 10, unread: 1, lastMsg: m });
      expect(r.totalUnread(A, 'pc')).to.equal(1);
    });
  });

  it('S2.2 a late message counts but never replaces lastMsg; an outgoing one never counts', () => {
    const newer = p2p('bob', A, 20);
    given(A, [registered('pc'), received(newer), received(p2p('bob', A, 5)), sent(p2p(A, 'bob', 15))]).then((r) => {
      expect(r.getSession(A, 'pc', 'p2p-bob')).to.deep.include({ updateTime: 20, unread: 2, lastMsg: newer });
    });
  });

  it('S4.2 the current session (an account-stream event) reads incoming messages as they arrive, on that device only', () => {
    given(A, [registered('pc'), registered('phone'), received(p2p('bob', A, 1)), current('p2p-bob', 1), received(p2p('bob', A, 2))]).then((r) => {
      expect(r.currentSession(A, 'pc')).to.equal('p2p-bob');
      expect(r.getSession(A, 'pc', 'p2p-bob')!.unread).to.equal(0);
      expect(r.getSession(A, 'phone', 'p2p-bob')!.unread).to.equal(2);
    });
  });

  it('S4.2 a mode A device with the session current moves the account-wide mark for every mode A device', () => {
    given(A, [registered('a1', { syncSessionUnread: true }), registered('a2', { syncSessionUnread: true }), received(p2p('bob', A, 1), 'a1'),
      current('p2p-bob', 1, 'a1', 'account'), received(p2p('bob', A, 2), 'a1')]).then((r) => {
      expect(r.getSession(A, 'a2', 'p2p-bob')!.unread).to.equal(0);
    });
  });

  it('S4.5 once the current session is cleared, messages count again; another session set current replaces it', () => {
    given(A, [registered('pc'), received(p2p('bob', A, 1)), received(p2p('carol', A, 2)), current('p2p-bob', 1), current('p2p-carol', 2),
      received(p2p('bob', A, 3)), { type: 'CurrentSessionCleared', data: { sessionId: 'p2p-carol', device: 'pc' } }, received(p2p('carol', A, 4))]).then((r) => {
      expect(r.currentSession(A, 'pc')).to.equal(undefined);
      expect(r.getSession(A, 'pc', 'p2p-bob')!.unread).to.equal(1);
      expect(r.getSession(A, 'pc', 'p2p-carol')!.unread).to.equal(1);
    });
  });

  it('S4.3 a reset moves the device\'s mark to its mark time', () => {
    given(A, [registered('pc'), received(p2p('bob', A, 1)), received(p2p('bob', A, 2)),
      { type: 'SessionReset', data: { sessionId: 'p2p-bob', device: 'pc', scope: 'device', mark: 2 } }, received(p2p('bob', A, 3))]).then((r) => {
      expect(r.getSession(A, 'pc', 'p2p-bob')!.unread).to.equal(1);
      expect(r.unreadSessionIds(A, 'pc')).to.deep.equal(['p2p-bob']);
    });
  });

  it('S7.3 a local delete hides the session on that device only; a newer message revives it there', () => {
    given(A, [registered('pc'), registered('phone'), received(p2p('bob', A, 1)), deleted('p2p-bob', 'local', 5)]).then((r) => {
      expect(r.getSession(A, 'pc', 'p2p-bob')).to.equal(null);
      expect(r.getSession(A, 'phone', 'p2p-bob')).to.not.equal(null);
    });
    given(A, [registered('pc'), received(p2p('bob', A, 1)), deleted('p2p-bob', 'local', 5), received(p2p('bob', A, 3)), received(p2p('bob', A, 6))]).then((r) => {
      expect(r.getSession(A, 'pc', 'p2p-bob')).to.deep.include({ unread: 1, updateTime: 6 });
    });
  });

  it('S7.4 a server delete hides it everywhere; older messages leave it hidden, a newer one revives it', () => {
    given(A, [registered('pc'), registered('phone'), received(p2p('bob', A, 1)), deleted('p2p-bob', 'server', 5), received(p2p('bob', A, 4))]).then((r) => {
      expect(ids(r.allSessions(A, 'pc'))).to.deep.equal([]);
      expect(ids(r.allSessions(A, 'phone'))).to.deep.equal([]);
    });
    given(A, [registered('pc'), received(p2p('bob', A, 1)), deleted('p2p-bob', 'server', 5), received(p2p('bob', A, 7))]).then((r) => {
      expect(r.getSession(A, 'pc', 'p2p-bob')).to.deep.include({ unread: 1, updateTime: 7 });
    });
  });

  it('S7.1 an inserted session is empty, with its own updateTime, on the inserting device only', () => {
    given(A, [registered('pc'), registered('phone'), received(p2p('bob', A, 1)),
      { type: 'SessionInserted', data: { sessionId: 'team-t1', scene: 'team', to: 't1', device: 'pc', updateTime: 50 } }]).then((r) => {
      expect(r.getSession(A, 'pc', 'team-t1')).to.deep.equal({ id: 'team-t1', scene: 'team', to: 't1', updateTime: 50, unread: 0 });
      expect(r.getSession(A, 'phone', 'team-t1')).to.equal(null);
      expect(r.maxUpdateTime(A)).to.equal(50);
    });
  });

  it('S6.3 by message type: each session by its newest message of a type not excluded, newest first, paged by cursor', () => {
    const events = [registered('pc'),
      received(p2p('bob', A, 10, { type: 'image' })), received(p2p('bob', A, 30)),
      received(p2p('carol', A, 20, { type: 'image' })), received(team('dan', 't1', 25, { type: 'tip' })),
      received(p2p('erin', A, 5))];
    given(A, events).then((r) => {
      const page = (exclude: string[], limit = 10, lastSessionId?: string) =>
        r.listByMessageType(A, 'pc', { exclude, limit, ...(lastSessionId && { lastSessionId }) }).map((s) => [s.id, s.lastMsg!.time]);
      expect(page([])).to.deep.equal([['p2p-bob', 30], ['team-t1', 25], ['p2p-carol', 20], ['p2p-erin', 5]]);
      expect(page(['text'])).to.deep.equal([['team-t1', 25], ['p2p-carol', 20], ['p2p-bob', 10]]);
      expect(page(['text'], 1, 'team-t1')).to.deep.equal([['p2p-carol', 20]]);
      expect(page(['text'], 5, 'p2p-carol')).to.deep.equal([['p2p-bob', 10]]);
      expect(() => page(['text'], 5, 'p2p-erin')).to.throw('not in this result list');
    });
  });

  it('S6.3 by message type: what a device deleted, or an insert started empty over, is left out', () => {
    given(A, [registered('pc'), received(p2p('bob', A, 10, { type: 'image' })), received(p2p('carol', A, 12, { type: 'image' })),
      deleted('p2p-bob', 'local', 15), received(p2p('bob', A, 20))]).then((r) => {
      expect(r.listByMessageType(A, 'pc', { exclude: ['text'], limit: 10 }).map((s) => s.id)).to.deep.equal(['p2p-carol']);
    });
  });

  it('S6.1 a list of 700 sessions pages most recent first by (updateTime, id), as a sort would order it', () => {
    const events: LedgerEvent[] = [registered('pc')];
    for (let i = 0; i < 700; i++) events.push(received(p2p(`u${i}`, A, (i * 7919) % 500)));
    for (let i = 0; i < 700; i += 3) events.push(received(p2p(`u${i}`, A, 600 + i)));
    given(A, events).then((r) => {
      const all = r.allSessions(A, 'pc');
      const sorted = [...all].sort((x, y) => y.updateTime - x.updateTime || (x.id < y.id ? 1 : -1));
      expect(ids(all)).to.deep.equal(ids(sorted));
      const paged: string[] = [];
      for (let last: string | undefined; ;) {
        const page = r.listSessions(A, 'pc', { limit: 64, ...(last && { lastSessionId: last }) });
        if (page.length === 0) break;
        paged.push(...ids(page));
        last = page[page.length - 1]!.id;
      }
      expect(paged).to.deep.equal(ids(sorted));
      expect(ids(r.listSessions(A, 'pc', { limit: 700, reverse: true }))).to.deep.equal(ids(sorted).reverse());
    });
  });
});
