import { request as httpRequest } from 'node:http';
import { expect } from 'chai';
import { COMMANDS } from '../../infrastructure/http/command-routes.js';
import { message, openHttpFixture, SECRET, type HttpFixture } from './service-fixture.js';
import { createHmac } from 'node:crypto';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** An HS256 token over exactly these claims (signToken adds iat and knows no exp spelled wrong). */
function rawToken(claims: Record<string, unknown>, secret = SECRET): string {
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** A request with a header too large for node's parser: fetch refuses to send one. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP API against hostile input (API.md, HTTP service)', () => {
  let f: HttpFixture;
  beforeEach(async () => {
    f = await openHttpFixture({ minPositionWaitMs: 20 });
    await f.register('alice');
  });
  afterEach(async () => { await f.close(); });

  it('a token whose signature is spelled another way (padding, +/ alphabet, trailing junk) is 401, so one token cannot become many rate-limit buckets', async () => {
    const token = f.token('alice', { device: 'phone' });
    const [head, payload, sig] = token.split('.') as [string, string, string];
    const respelled = [`${token}=`, `${token}==`, `${token}!!`, `${head}.${payload}.${sig.replace(/-/g, '+').replace(/_/g, '/')}${sig.includes('-') || sig.includes('_') ? '' : '='}`, `${head}.${payload}.${sig} `.trim() + '.'];
    for (const t of respelled) {
      const res = await f.call('GET', '/v1/accounts/alice/unread', { token: t });
      expect(res.status, t).to.equal(401);
      expect(res.body.error.code).to.equal('unauthorized');
    }
    expect((await f.call('GET', '/v1/accounts/alice/unread', { token })).status).to.equal(200);
  });

  it('claims of the wrong type are 401: exp or nbf not a number, sub not a string', async () => {
    for (const claims of [{ sub: 'alice', exp: '1' }, { sub: 'alice', nbf: 'later' }, { sub: 42 }, { sub: ['alice'] }]) {
      const res = await f.call('GET', '/v1/accounts/alice/unread', { token: rawToken(claims) });
      expect(res.status, JSON.stringify(claims)).to.equal(401);
    }
    expect((await f.call('GET', '/v1/accounts/alice/unread', { token: rawToken({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 60 }) })).status).to.equal(200);
  });

  it('a path that is not valid percent-encoding (a lone surrogate, a cut escape) is 400 in the JSON error shape', async () => {
    for (const path of ['/v1/accounts/%ED%A0%80/sessions', '/v1/accounts/%E0%A4%A/unread']) {
      const res = await f.call('GET', path, { as: 'alice' });
      expect(res.status, path).to.equal(400);
      expect(res.body.error.code, path).to.equal('bad_url');
      expect(res.body.error.message).to.be.a('string');
    }
  });

  it('a query string that is not valid percent-encoded UTF-8 is 400 bad_url too, as the same bytes in the path are', async () => {
    for (const path of ['/v1/accounts/alice/unread?device=%ED%A0%80', '/v1/accounts/alice/sessions?limit=1&device=%E0%A4%A', '/v1/accounts/alice/unread?%FF=x']) {
      const res = await f.call('GET', path, { as: 'alice' });
      expect(res.status, path).to.equal(400);
      expect(res.body.error.code, path).to.equal('bad_url');
      expect(res.body.error.message, path).to.contain('query string');
    }
    // well-formed escapes, a plus for a space and an empty value stay fine
    for (const path of ['/v1/accounts/alice/unread?device=%E6%89%8B%E6%9C%BA', '/v1/accounts/alice/unread?device=my+phone', '/v1/accounts/alice/unread?device=web&']) {
      expect((await f.call('GET', path, { as: 'alice' })).status, path).to.equal(200);
    }
  });

  it('headers over node\'s limit get 431 in the JSON error shape', async () => {
    const res = await rawGet(`${f.url}/v1/accounts/alice/unread`, { authorization: `Bearer ${f.token('alice')}`, 'x-padding': 'a'.repeat(20_000) });
    expect(res.status).to.equal(431);
    expect(res.type).to.contain('application/json');
    expect(JSON.parse(res.body).error.code).to.equal('headers_too_large');
  });

  it('a JSON body that is null, a number, a string or an array is 400 invalid_body, and nothing is appended', async () => {
    const before = f.ledger.position();
    for (const body of ['null', '5', '"x"', '[]', '[{"sessionId":"p2p-bob"}]']) {
      const res = await f.call('POST', '/v1/commands/ResetAllSessionUnread', { as: 'alice', body });
      expect([res.status, res.body.error?.code], body).to.deep.equal([400, 'invalid_body']);
    }
    expect(f.ledger.position()).to.equal(before);
  });

  it('a body naming another account or device, or spelling ours as a non-string, is 403 for every command, and nothing is appended', async () => {
    const before = f.ledger.position();
    for (const name of Object.keys(COMMANDS)) {
      for (const naming of [{ account: 'bob' }, { device: 'laptop' }, { account: ['alice'] }]) {
        const res = await f.call('POST', `/v1/commands/${name}`, { as: 'alice', body: { ...naming, sessionId: 'p2p-bob', id: 'p2p-bob', scene: 'p2p', to: 'bob' } });
        expect([res.status, res.body.error.code], `${name} ${JSON.stringify(naming)}`).to.deep.equal([403, 'forbidden']);
      }
    }
    const odd = await f.call('POST', '/v1/commands/ResetAllSessionUnread', { as: 'alice', body: { account: ['alice'] } });
    expect(odd.body.error.message).to.contain('["alice"]');
    expect(f.ledger.position()).to.equal(before);
  });

  it('every account route in /openapi.json refuses a token for another account with 403', async () => {
    await f.call('POST', '/v1/commands/SendMessage', { as: 'bob', body: { message: message('bob', 'alice', 1000, 'm1') } });
    const doc = (await f.call('GET', '/openapi.json', { as: null })).body;
    const routes = Object.keys(doc.paths).filter((p) => p.startsWith('/v1/accounts/{account}'));
    expect(routes.length).to.be.greaterThanOrEqual(8);
    for (const route of routes) {
      const path = route.replace('{account}', 'alice').replace('{sessionId}', 'p2p-bob') + (route.endsWith('sessions-at') ? '?at=1' : '');
      const res = await f.call('GET', path, { as: 'mallory' });
      expect([res.status, res.body.error?.code], path).to.deep.equal([403, 'forbidden']);
    }
  });
  it('HEAD on the live route answers its headers and ends, holding no live connection', async () => {
    const res = await fetch(`${f.url}/v1/accounts/alice/live`, { method: 'HEAD', headers: { authorization: `Bearer ${f.token('alice', { device: 'phone' })}` }, signal: AbortSignal.timeout(5000) });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.contain('text/event-stream');
    expect(f.service.live.connections).to.equal(0);
    const other = await fetch(`${f.url}/v1/accounts/alice/live`, { method: 'HEAD', headers: { authorization: `Bearer ${f.token('bob')}` }, signal: AbortSignal.timeout(5000) });
    expect(other.status).to.equal(403);
  });

  it('Idempotency-Key (the commandId) sent five times at once has exactly one effect, and all five get the same answer', async () => {
    const sends = await Promise.all([1, 2, 3, 4, 5].map(() =>
      f.call('POST', '/v1/commands/SendMessage', { as: 'bob', body: { message: message('bob', 'alice', 1000, 'once') }, headers: { 'idempotency-key': 'retry-1' } })));
    expect(sends.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200]);
    for (const r of sends) expect(r.body.result).to.deep.equal(sends[0]!.body.result);
    const history = await f.call('GET', '/v1/accounts/alice/sessions/p2p-bob/history', { as: 'alice' });
    expect(history.body.events.map((e: any) => e.data.message.idClient)).to.deep.equal(['once']);
    expect((await f.call('GET', '/v1/accounts/alice/unread', { as: 'alice' })).body.total).to.equal(1);
  });
  it('an Idempotency-Key is scoped to its account: another account sending the same key is not swallowed', async () => {
    for (const who of ['bob', 'carol']) {
      const res = await f.call('POST', '/v1/commands/SendMessage', { as: who, body: { message: message(who, 'alice', 1000, `from-${who}`) }, headers: { 'idempotency-key': 'shared-key' } });
      expect(res.body.result.lastMsg.idClient).to.equal(`from-${who}`);
    }
    const list = await f.call('GET', '/v1/accounts/alice/sessions', { as: 'alice' });
    expect(list.body.sessions.map((s: any) => [s.id, s.unread]).sort()).to.deep.equal([['p2p-bob', 1], ['p2p-carol', 1]]);
  });
  it('/openapi.json documents only routes served, and each path template\'s parameters, query schemas and error shape', async () => {
    const doc = (await f.call('GET', '/openapi.json', { as: null })).body;
    expect(doc.openapi).to.match(/^3\.1\./);
    let operations = 0;
    for (const [path, methods] of Object.entries<Record<string, any>>(doc.paths)) {
      const url = path.replace(/\{(\w+)\}/g, ':$1');
      for (const [method, op] of Object.entries<any>(methods)) {
        operations++;
        expect(f.service.app.hasRoute({ method: method.toUpperCase() as 'GET', url }), `${method} ${path}`).to.equal(true);
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(op.parameters.filter((p: any) => p.in === 'path').map((p: any) => p.name), path).to.deep.equal(inPath);
        for (const p of op.parameters) expect(['path', 'query'], `${path} ${p.name}`).to.include(p.in);
        expect(op.responses.default.content['application/json'].schema.required).to.deep.equal(['error']);
        if (op.security) expect(Object.keys(doc.components.securitySchemes)).to.include.members(op.security.flatMap((s: object) => Object.keys(s)));
      }
    }
    expect(operations).to.equal(14 + 8 + 4 + 3); // the commands, the account routes, the ops routes, the inbox's three files
  });
});
