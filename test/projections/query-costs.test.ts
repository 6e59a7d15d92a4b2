import { expect } from 'chai';
import type { LedgerEvent } from '../../domain/events.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
import { p2p } from '../support/messages.js';

/** Counts calls of `object[method]` while `work` runs. */
function counting<T extends object>(object: T, method: keyof T & string, work: () => void): number {
  const original = object[method] as unknown as (...args: unknown[]) => unknown;
  let calls = 0;
  (object as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
    calls++;
    return original.apply(this, args);
  };
  try {
    work();
  } finally {
    (object as Record<string, unknown>)[method] = original;
  }
  return calls;
}

// ARCHITECTURE's promise, kept by the code (review, issue 7): no sort per query, no scan of the account per insert.
describe('projection: what a query costs', () => {
  const projection = new SessionListProjection();
  const events: LedgerEvent[] = [{ type: 'DeviceRegistered', data: { device: 'pc', options: { db: true, syncSessionUnread: false, autoMarkRead: false }, mode: 'B' } }];
  for (let i = 0; i < 300; i++) {
    const m = p2p(`u${i}`, 'alice', 1000 - i, { type: i % 3 === 0 ? 'image' : 'text' });
    events.push({ type: 'MessageReceived', data: { sessionId: `p2p-u${i}`, message: m, delivery: 'online', device: 'pc', counting: true } });
  }
  events.forEach((e, i) => projection.apply({ type: e.type, data: e.data, account: 'alice', seq: i + 1 }));
  const r = projection.reader;

  it('S6.1 and S6.3 paging a list, by update time or by message type, sorts nothing', () => {
    let images: string[] = [];
    const sorts = counting(Array.prototype, 'sort', () => {
      r.listSessions('alice', 'pc', { limit: 20 });
      images = r.listByMessageType('alice', 'pc', { exclude: ['text'], limit: 5 }).map((s) => s.id);
    });
    expect(sorts).to.equal(0);
    expect(images).to.deep.equal(['p2p-u0', 'p2p-u3', 'p2p-u6', 'p2p-u9', 'p2p-u12']);
  });

  it('S7.1 the account\'s greatest updateTime is kept as events arrive, not found by walking its sessions', () => {
    let max = 0;
    const walks = counting(Map.prototype, 'values', () => {
      max = r.maxUpdateTime('alice');
    });
    expect(walks).to.equal(0);
    expect(max).to.equal(1000);
  });
});
