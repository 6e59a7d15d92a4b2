import { expect } from 'chai';
import { message, openHttpFixture, openSse, type HttpFixture, type SseConnection } from './service-fixture.js';

describe('HTTP live updates (API.md, GET /v1/accounts/:account/live)', () => {
  let f: HttpFixture;
  const open: SseConnection[] = [];
  const live = async (lastEventId?: string, as = 'alice') => {
    const c = await openSse(`${f.url}/v1/accounts/${as}/live`, f.token(as, { device: 'phone' }), lastEventId);
    open.push(c);
    return c;
  };
  const send = async (from: string, to: string, id: string) => {
    f.clock.now += 1000;
    const res = await f.call('POST', '/v1/commands/SendMessage', { as: from, body: { message: message(from, to, f.clock.now, id) } });
    expect(res.status).to.equal(200);
    return res.body.position as string;
  };

  beforeEach(async () => {
    f = await openHttpFixture({ live: { bufferSize: 4, aheadWaitMs: 30 } });
    await f.register('alice');
  });
  afterEach(async () => {
    for (const c of open.splice(0)) c.close();
    await f.close();
  });

  it('S3.3 a fresh connection starts with one `sessions` event (ascending, with total), its id the position', async () => {
    await send('bob', 'alice', 'm1');
    const last = await send('carol', 'alice', 'm2');
    const c = await live();
    expect(c.status).to.equal(200);
    const first = await c.next();
    expect(first.event).to.equal('sessions');
    expect(first.id).to.equal(last);
    expect(first.data.sessions.map((s: any) => s.id)).to.deep.equal(['p2p-bob', 'p2p-carol']);
    expect(first.data.total).to.equal(2);
  });

  it('S2.1 each change is a `session` event with the total unread, its id the position the command answered', async () => {
    const c = await live();
    await c.next();
    const position = await send('bob', 'alice', 'm1');
    const e = await c.next();
    expect(e.event).to.equal('session');
    expect(e.id).to.equal(position);
    expect(e.data.session).to.include({ id: 'p2p-bob', unread: 1 });
    expect(e.data.total).to.equal(1);
    await f.call('POST', '/v1/commands/SetCurrentSession', { as: 'alice', body: { sessionId: 'p2p-bob' } });
    const cleared = await c.next();
    expect([cleared.data.session.unread, cleared.data.total]).to.deep.equal([0, 0]);
  });

  it('Last-Event-ID resumes with exactly what was missed, then live, and nothing else', async () => {
    const c = await live();
    const start = await c.next();
    c.close();
    await c.closed;
    await send('bob', 'alice', 'm1');
    await send('carol', 'alice', 'm2');
    const resumed = await live(start.id);
    const missed = [await resumed.next(), await resumed.next()];
    expect(missed.map((e) => [e.event, e.data.session.id, e.data.total])).to.deep.equal([['session', 'p2p-bob', 1], ['session', 'p2p-carol', 2]]);
    const marker = await send('dave', 'alice', 'm3');
    const after = await resumed.next();
    expect([after.id, after.data.session.id, after.data.total]).to.deep.equal([marker, 'p2p-dave', 3]);
  });

  it('a position the server cannot serve gets `refetch`: malformed, older than its buffer, or ahead of it', async () => {
    const c = await live();
    const start = await c.next();
    c.close();
    for (let i = 0; i < 6; i++) await send('bob', 'alice', `m${i}`); // past the buffer of 4
    const tooOld = await (await live(start.id)).next();
    expect(tooOld.event).to.equal('refetch');
    expect(tooOld.id).to.equal(f.ledger.position());
    expect(tooOld.data.reason).to.contain('older');
    const malformed = await (await live('yesterday')).next();
    expect([malformed.event, malformed.data.reason]).to.deep.equal(['refetch', 'Last-Event-ID "yesterday" is not a position']);
    const ahead = await (await live('999999')).next();
    expect([ahead.event, ahead.data.reason]).to.deep.equal(['refetch', `position 999999 is ahead of this server (${f.ledger.position()})`]);
    // a refetching client reads the list again, and follows live from the refetch's id
    const list = await f.call('GET', '/v1/accounts/alice/sessions', { as: 'alice' });
    expect(list.body.position).to.equal(tooOld.id);
    expect(list.body.sessions[0]).to.include({ id: 'p2p-bob', unread: 6 });
  });

  it('a connection for another account is refused with 403; without a token 401', async () => {
    const other = await openSse(`${f.url}/v1/accounts/alice/live`, f.token('bob'));
    expect(other.status).to.equal(403);
    const none = await openSse(`${f.url}/v1/accounts/alice/live`, 'not-a-jwt');
    expect(none.status).to.equal(401);
  });
});
