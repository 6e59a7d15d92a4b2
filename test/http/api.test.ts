import { expect } from 'chai';
import { signToken } from '../../infrastructure/http/auth.js';
import { message, openHttpFixture, type HttpFixture } from './service-fixture.js';

describe('HTTP API (API.md, HTTP service)', () => {
  let f: HttpFixture;
  beforeEach(async () => {
    f = await openHttpFixture({ minPositionWaitMs: 50 });
    await f.register('alice');
  });
  afterEach(async () => { await f.close(); });

  const send = (from: string, to: string, time: number, id: string, headers: Record<string, string> = {}) =>
    f.call('POST', '/v1/commands/SendMessage', { as: from, body: { message: message(from, to, time, id) }, headers });

  it('POST /v1/commands/SendMessage answers { result, position } and a read at minPosition sees it (S2.1, S10.5)', async () => {
    const sent = await send('bob', 'alice', 1000, 'm1');
    expect(sent.status).to.equal(200);
    expect(sent.body.result).to.include({ id: 'p2p-alice', unread: 0 });
    expect(sent.body.position).to.match(/^\d+$/);
    const list = await f.call('GET', `/v1/accounts/alice/sessions?device=phone&minPosition=${sent.body.position}`, { as: 'alice' });
    expect(list.status).to.equal(200);
    expect(list.body.sessions.map((s: any) => [s.id, s.unread, s.lastMsg.idClient])).to.deep.equal([['p2p-bob', 1, 'm1']]);
    expect(BigInt(list.body.position) >= BigInt(sent.body.position)).to.equal(true);
    const unread = await f.call('GET', '/v1/accounts/alice/unread', { as: 'alice' });
    expect(unread.body).to.deep.equal({ total: 1, position: list.body.position });
  });

  it('S10.1 a bad command gets 400 naming every bad field, and nothing is appended', async () => {
    const before = f.ledger.position();
    const res = await f.call('POST', '/v1/commands/SendMessage', { as: 'bob', body: { message: { scene: 'chat', from: 'bob', to: 'alice', idClient: 'x', type: 'text', time: -1 } } });
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('validation_failed');
    expect(res.body.error.fields.map((e: any) => e.field).sort()).to.deep.equal(['message.scene', 'message.time']);
    expect(f.ledger.position()).to.equal(before);
    const history = await f.call('GET', '/v1/accounts/bob/sessions/p2p-alice/history', { as: 'bob' });
    expect(history.body.events).to.deep.equal([]);
  });

  it('auth: no token or a bad signature is 401; another account is 403; an admin reads any history', async () => {
    const registered = f.ledger.position();
    expect((await f.call('GET', '/v1/accounts/alice/sessions', { as: null })).status).to.equal(401);
    const forged = signToken('another-secret', { sub: 'alice' });
    const bad = await f.call('GET', '/v1/accounts/alice/sessions', { token: forged });
    expect(bad.status).to.equal(401);
    expect(bad.body.error.code).to.equal('unauthorized');
    expect(bad.headers.get('www-authenticate')).to.equal('Bearer');
    expect((await f.call('GET', '/v1/accounts/alice/sessions', { as: 'bob' })).status).to.equal(403);
    const forOther = await f.call('POST', '/v1/commands/ResetAllSessionUnread', { as: 'bob', body: { account: 'alice' } });
    expect(forOther.status).to.equal(403);
    expect(forOther.body.error.message).to.contain('acts for bob');
    expect(f.ledger.position()).to.equal(registered);
    await send('bob', 'alice', 1000, 'm1');
    const admin = f.token('ops', { admin: true });
    const history = await f.call('GET', '/v1/accounts/alice/sessions/p2p-bob/history', { token: admin });
    expect(history.status).to.equal(200);
    expect(history.body.events.map((e: any) => e.type)).to.deep.equal(['MessageReceived']);
    const asAdmin = await f.call('POST', '/v1/commands/ResetSessionUnread', { token: admin, body: { account: 'alice', device: 'phone', sessionId: 'p2p-bob' } });
    expect(asAdmin.status).to.equal(200);
    expect(asAdmin.body.result).to.include({ id: 'p2p-bob', unread: 0 });
  });

  it('errors are JSON: unknown route 404, unknown command 404, wrong content type 415, over the limit 413, malformed JSON 400', async () => {
    const registered = f.ledger.position();
    const missing = await f.call('GET', '/v2/nothing', { as: null });
    expect(missing.status).to.equal(404);
    expect(missing.body.error).to.include({ code: 'not_found' });
    const unknown = await f.call('POST', '/v1/commands/LaunchRocket', { body: {} });
    expect([unknown.status, unknown.body.error.code]).to.deep.equal([404, 'unknown_command']);
    const text = await f.call('POST', '/v1/commands/ResetAllSessionUnread', { body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect([text.status, text.body.error.code]).to.deep.equal([415, 'unsupported_media_type']);
    const big = await f.call('POST', '/v1/commands/SendMessage', { body: { message: message('alice', 'bob', 1, 'big', { text: 'x'.repeat(1100 * 1024) }) } });
    expect([big.status, big.body.error.code]).to.deep.equal([413, 'body_too_large']);
    const broken = await f.call('POST', '/v1/commands/SendMessage', { body: '{"message": ' });
    expect([broken.status, broken.body.error.code]).to.deep.equal([400, 'malformed_json']);
    const notObject = await f.call('POST', '/v1/commands/SendMessage', { body: '[1,2]' });
    expect([notObject.status, notObject.body.error.code]).to.deep.equal([400, 'invalid_body']);
    const badQuery = await f.call('GET', '/v1/accounts/alice/sessions?limit=zero', { as: 'alice' });
    expect([badQuery.status, badQuery.body.error.code]).to.deep.equal([400, 'invalid_request']);
    expect(badQuery.body.error.fields[0].field).to.equal('limit');
    expect(f.ledger.position()).to.equal(registered);
  });

  it('minPosition the read models cannot reach in time answers 409', async () => {
    const res = await f.call('GET', '/v1/accounts/alice/sessions?minPosition=999999', { as: 'alice' });
    expect(res.status).to.equal(409);
    expect(res.body.error.code).to.equal('position_not_reached');
  });

  it('Idempotency-Key is the commandId: the same command twice appends once', async () => {
    const first = await send('bob', 'alice', 1000, 'm1', { 'idempotency-key': 'k-1' });
    const again = await send('bob', 'alice', 1000, 'm1', { 'idempotency-key': 'k-1' });
    expect([first.status, again.status]).to.deep.equal([200, 200]);
    const history = await f.call('GET', '/v1/accounts/alice/sessions/p2p-bob/history', { as: 'alice' });
    expect(history.body.events).to.have.length(1);
    const unread = await f.call('GET', '/v1/accounts/alice/unread', { as: 'alice' });
    expect(unread.body.total).to.equal(1);
  });

  it('one session (404 when none), by message type, sessions-at and the timeline', async () => {
    f.clock.now += 1000;
    await send('bob', 'alice', 1000, 'm1');
    const between = f.clock.now + 500;
    f.clock.now += 1000;
    await f.call('POST', '/v1/commands/SendMessage', { as: 'carol', body: { message: message('carol', 'alice', 2000, 'm2', { type: 'image' }) } });
    await f.call('POST', '/v1/commands/SetCurrentSession', { as: 'alice', body: { sessionId: 'p2p-bob' } });
    const one = await f.call('GET', '/v1/accounts/alice/sessions/p2p-bob', { as: 'alice' });
    expect(one.body.session).to.include({ id: 'p2p-bob', unread: 0 });
    const none = await f.call('GET', '/v1/accounts/alice/sessions/p2p-zed', { as: 'alice' });
    expect([none.status, none.body.error.code]).to.deep.equal([404, 'no_session']);
    const byType = await f.call('GET', '/v1/accounts/alice/sessions-by-type?exclude=text', { as: 'alice' });
    expect(byType.body.sessions.map((s: any) => s.id)).to.deep.equal(['p2p-carol']);
    const then = await f.call('GET', `/v1/accounts/alice/sessions-at?at=${between}`, { as: 'alice' });
    expect(then.body.sessions.map((s: any) => [s.id, s.unread])).to.deep.equal([['p2p-bob', 1]]);
    const timeline = await f.call('GET', '/v1/accounts/alice/sessions/p2p-bob/timeline', { as: 'alice' });
    expect(timeline.body.entries.map((e: any) => [e.type, e.unread])).to.deep.equal([['MessageReceived', 1], ['CurrentSessionSet', 0]]);
  });

  it('rate limits per token: past the burst a token gets 429 with Retry-After, another token does not', async () => {
    await f.close();
    f = await openHttpFixture({ rateLimit: { perSecond: 0.001, burst: 4 } });
    // one token throughout: the limit is per token, and a token signed a second later is another one
    const alice = f.token('alice', { device: 'phone' });
    expect((await f.call('POST', '/v1/commands/RegisterDevice', { token: alice, body: {} })).status).to.equal(200); // the first of alice's four
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await f.call('GET', '/v1/accounts/alice/unread', { token: alice })).status);
    expect(statuses).to.deep.equal([200, 200, 200, 429]);
    const fresh = await f.call('GET', '/v1/accounts/carol/unread', { as: 'carol' });
    expect([fresh.headers.get('ratelimit-limit'), fresh.headers.get('ratelimit-remaining')]).to.deep.equal(['4', '3']);
    const limited = await f.call('GET', '/v1/accounts/alice/unread', { token: alice });
    expect(limited.body.error.code).to.equal('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).to.be.greaterThan(0);
    expect(limited.headers.get('ratelimit-remaining')).to.equal('0');
    expect((await f.call('GET', '/v1/accounts/bob/unread', { as: 'bob' })).status).to.equal(200);
  });

  it('/openapi.json describes every route and command from the same schemas; /healthz and /readyz answer', async () => {
    const doc = await f.call('GET', '/openapi.json', { as: null });
    expect(doc.body.openapi).to.equal('3.1.0');
    expect(doc.body.paths).to.include.keys('/v1/accounts/{account}/sessions', '/v1/accounts/{account}/live', '/v1/commands/SendMessage', '/v1/commands/SetCurrentSession');
    const send = doc.body.paths['/v1/commands/SendMessage'].post;
    expect(send.requestBody.content['application/json'].schema.required).to.deep.equal(['message']);
    const list = doc.body.paths['/v1/accounts/{account}/sessions'].get;
    expect(list.parameters.map((p: any) => p.name)).to.include.members(['account', 'device', 'limit', 'lastSessionId', 'reverse', 'minPosition']);
    expect((await f.call('GET', '/healthz', { as: null })).body).to.deep.equal({ status: 'ok' });
    const ready = await f.call('GET', '/readyz', { as: null });
    expect(ready.body).to.deep.equal({ status: 'ready', position: f.ledger.position() });
  });
});
