import { expect } from 'chai';
import type { Service } from '../../infrastructure/http/server.js';
import { message, openHttpFixture, openSse, type HttpFixture, type SseConnection, type SseEvent } from './service-fixture.js';

/** A live client's list as the inbox keeps it: `sessions`, `session` and `removed` applied in order. */
function follow(events: SseEvent[]): { unread: Map<string, number>; total: number | undefined } {
  const unread = new Map<string, number>();
  let total: number | undefined;
  for (const e of events) {
    if (e.event === 'sessions') for (const s of e.data.sessions) unread.set(s.id, s.unread);
    if (e.event === 'session') unread.set(e.data.session.id, e.data.session.unread);
    if (e.event === 'removed') unread.delete(e.data.sessionId);
    if (typeof e.data.total === 'number') total = e.data.total;
  }
  return { unread, total };
}
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

describe('HTTP live updates under bursts, deletions and resumes (API.md, live)', () => {
  let f: HttpFixture;
  const open: SseConnection[] = [];
  const live = async (lastEventId?: string) => {
    const c = await openSse(`${f.url}/v1/accounts/alice/live`, f.token('alice', { device: 'phone' }), lastEventId);
    open.push(c);
    return c;
  };
  const send = async (from: string, id: string) => {
    f.clock.now += 1000;
    const res = await f.call('POST', '/v1/commands/SendMessage', { as: from, body: { message: message(from, 'alice', f.clock.now, id) } });
    expect(res.status).to.equal(200);
    return res.body.position as string;
  };
  /** Events until (and with) the one whose id is `position`. */
  const until = async (c: SseConnection, position: string) => {
    const got: SseEvent[] = [];
    for (;;) {
      const e = await c.next();
      got.push(e);
      if (e.id === position) return got;
    }
  };
  const command = async (name: string, body: object) => {
    const res = await f.call('POST', `/v1/commands/${name}`, { as: 'alice', body });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.position as string;
  };

  beforeEach(async () => {
    f = await openHttpFixture({ live: { bufferSize: 100 } });
    await f.register('alice');
  });
  afterEach(async () => {
    for (const c of open.splice(0)) c.close();
    await f.close();
  });

  it('S4.4 / S3.1 a command changing several sessions at one position reaches a live connection whole, the total equal to the sum', async () => {
    for (const who of ['bob', 'carol', 'dave']) await send(who, `m-${who}`);
    const c = await live();
    const start = await c.next();
    await command('ResetAllSessionUnread', {});
    f.clock.now += 1000;
    const synced = await command('SyncMessages', { offline: ['x1', 'x2', 'x3'].map((who, i) => message(who, 'alice', f.clock.now + i, `s-${who}`)) });
    const events = [start, ...await until(c, synced)];
    const state = follow(events);
    expect([...state.unread]).to.have.deep.members([['p2p-bob', 0], ['p2p-carol', 0], ['p2p-dave', 0], ['p2p-x1', 1], ['p2p-x2', 1], ['p2p-x3', 1]]);
    expect(state.total).to.equal(3);
    // ids are positions, each sent once and increasing: a resume from any of them is exact
    const ids = events.map((e) => e.id).filter(Boolean).map(BigInt);
    expect(ids).to.deep.equal([...new Set(ids)].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('Last-Event-ID after a multi-session burst replays exactly the missed sessions, nothing twice', async () => {
    for (const who of ['bob', 'carol']) await send(who, `m-${who}`);
    const c = await live();
    const start = await c.next();
    c.close();
    await c.closed;
    await command('ResetAllSessionUnread', {});
    const last = await send('dave', 'm-dave');
    const resumed = await until(await live(start.id), last);
    expect(resumed.map((e) => [e.event, e.data.session.id, e.data.session.unread])).to.have.deep.members([['session', 'p2p-bob', 0], ['session', 'p2p-carol', 0], ['session', 'p2p-dave', 1]]);
    expect(resumed).to.have.length(3);
    expect(follow([start, ...resumed]).total).to.equal(1);
  });

  it('S7.3 / S7.4 a deleted session is a `removed` event, so the live list and its total stay equal', async () => {
    for (const who of ['bob', 'carol', 'dave']) await send(who, `m-${who}`);
    const c = await live();
    const start = await c.next();
    const local = await command('DeleteLocalSession', { id: 'p2p-bob' });
    const everywhere = await command('DeleteSession', { scene: 'p2p', to: 'carol' });
    const events = [start, ...await until(c, everywhere)];
    const removed = events.filter((e) => e.event === 'removed');
    expect(removed.map((e) => [e.id, e.data.sessionId, e.data.total])).to.deep.equal([[local, 'p2p-bob', 2], [everywhere, 'p2p-carol', 1]]);
    const state = follow(events);
    expect([...state.unread]).to.deep.equal([['p2p-dave', 1]]);
    expect(state.total).to.equal(sum(state.unread));
    // and a resume from before the deletions replays them
    const replay = await until(await live(start.id), everywhere);
    expect(replay.map((e) => [e.event, e.data.sessionId])).to.deep.equal([['removed', 'p2p-bob'], ['removed', 'p2p-carol']]);
  });
  it('S4 opening the live feed without mode options keeps the device\'s registered mode; options given are recorded', async () => {
    await f.register('alice', 'tablet', { db: false, autoMarkRead: true });
    const c = await openSse(`${f.url}/v1/accounts/alice/live`, f.token('alice', { device: 'tablet' }));
    open.push(c);
    expect((await c.next()).event).to.equal('sessions');
    expect(f.ledger.reader.deviceMode('alice', 'tablet')).to.deep.equal({ mode: 'D', options: { db: false, syncSessionUnread: false, autoMarkRead: true } });
    const asked = await openSse(`${f.url}/v1/accounts/alice/live?syncSessionUnread=true`, f.token('alice', { device: 'tablet' }));
    open.push(asked);
    await asked.next();
    expect(f.ledger.reader.deviceMode('alice', 'tablet')?.options).to.deep.equal({ db: false, syncSessionUnread: true, autoMarkRead: true });
  });
  it('a service closed while a live connection is still opening ends that connection, and close() does not wait on it', async () => {
    let closing: Promise<void> | undefined;
    const target: { service?: Service } = {};
    const logger = { debug: (msg: string) => { if (msg === 'live connection') closing = target.service!.close(); }, info() {}, warn() {}, error() {} };
    const g = await openHttpFixture({ logger });
    target.service = g.service;
    const c = await openSse(`${g.url}/v1/accounts/alice/live?device=fresh`, g.token('alice', { device: 'fresh' })).catch(() => undefined);
    expect(closing, 'the service was closed during the connection').to.not.equal(undefined);
    await c?.closed;
    await closing;
    expect(g.service.live.connections).to.equal(0);
    await g.ledger.close();
  });
  it('a live connection is a request too: when it ends it is counted in /metrics with its status', async () => {
    const c = await live();
    await c.next();
    f.service.live.disconnectAll();
    await c.closed;
    const text = (await f.call('GET', '/metrics', { as: null })).body as string;
    expect(text).to.contain('http_requests_total{method="GET",route="/v1/accounts/:account/live",status="200"} 1');
    expect(text).to.contain('ledger_live_connections 0');
  });
  it('a client cut in the middle of a burst of concurrent commands resumes to exactly the list and total the API reads', async () => {
    const c = await live();
    const events = [await c.next()];
    const burst = (from: number, to: number) => Promise.all(Array.from({ length: to - from }, (_, i) => {
      const who = `peer${(from + i) % 7}`;
      return f.call('POST', '/v1/commands/SendMessage', { as: who, body: { message: message(who, 'alice', 2_000_000 + from + i, `b${from + i}`) } });
    }));
    const first = burst(0, 15);
    events.push(await c.next(), await c.next());
    c.close();
    await Promise.all([first, burst(15, 30)]);
    const last = await command('ResetSessionUnread', { sessionId: 'p2p-peer3' });
    const lastId = events.filter((e) => e.id).at(-1)!.id;
    events.push(...await until(await live(lastId), last));
    const state = follow(events);
    const list = await f.call('GET', '/v1/accounts/alice/sessions?limit=100', { as: 'alice' });
    expect(list.body.position).to.equal(last);
    expect([...state.unread].sort()).to.deep.equal(list.body.sessions.map((s: any) => [s.id, s.unread]).sort());
    expect(state.total).to.equal(sum(state.unread));
    expect(state.total).to.equal((await f.call('GET', '/v1/accounts/alice/unread', { as: 'alice' })).body.total);
  });
  it('an account may hold only so many live connections at once (429 past it); closed ones free their place', async () => {
    await f.close();
    f = await openHttpFixture({ live: { maxConnectionsPerAccount: 2 } });
    const a = await live();
    const b = await live();
    const refused = await live();
    expect(refused.status).to.equal(429);
    const other = await openSse(`${f.url}/v1/accounts/bob/live`, f.token('bob'));
    open.push(other);
    expect(other.status).to.equal(200);
    f.service.live.disconnectAll();
    await Promise.all([a.closed, b.closed]);
    expect((await live()).status).to.equal(200);
  });
});
