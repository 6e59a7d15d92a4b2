import { request as httpRequest } from 'node:http';
import { expect } from 'chai';
import { message, openHttpFixture, type HttpFixture } from './service-fixture.js';

/** What a hostile review of issue 8's changes found through the HTTP service (each a regression test). */
describe('HTTP service: null fields, closed ledgers (review)', () => {
  let f: HttpFixture;
  beforeEach(async () => {
    f = await openHttpFixture({ minPositionWaitMs: 50 });
    await f.register('alice');
  });
  afterEach(async () => { await f.close(); });

  it('S10.1 null means absent: a body giving account or device as null acts as the token\'s own, as it does when they are left out', async () => {
    const sent = await f.call('POST', '/v1/commands/SendMessage', { as: 'alice', body: { account: null, device: null, message: message('alice', 'bob', 1000, 'n1') } });
    expect([sent.status, sent.body.result?.id]).to.deep.equal([200, 'p2p-bob']);
    const history = await f.call('GET', '/v1/accounts/alice/sessions/p2p-bob/history', { as: 'alice' });
    expect(history.body.events.map((e: any) => [e.type, e.metadata.account, e.metadata.device])).to.deep.equal([['MessageSent', 'alice', 'phone']]);
    const other = await f.call('POST', '/v1/commands/ResetAllSessionUnread', { as: 'alice', body: { device: 'laptop' } });
    expect([other.status, other.body.error.code]).to.deep.equal([403, 'forbidden']); // a device that is not the token's is still refused
  });

  it('S10.1 a JSON body with a __proto__ or constructor.prototype key is refused with 400 saying so, not as JSON that does not parse', async () => {
    for (const raw of ['{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}']) {
      const res = await f.call('POST', '/v1/commands/ResetAllSessionUnread', { as: 'alice', body: raw });
      expect([res.status, res.body.error.code], raw).to.deep.equal([400, 'malformed_json']);
      expect(res.body.error.message, raw).to.contain('__proto__').and.to.contain('constructor.prototype');
    }
    const broken = await f.call('POST', '/v1/commands/ResetAllSessionUnread', { as: 'alice', body: '{"a":' });
    expect([broken.status, broken.body.error.code]).to.deep.equal([400, 'malformed_json']);
  });

  it('API LedgerClosedError: once the ledger is closed, /readyz answers 503 and the live route answers 503 shutting_down instead of dropping the connection', async () => {
    await f.ledger.close();
    const ready = await f.call('GET', '/readyz', { as: null });
    expect([ready.status, ready.body.error?.code]).to.deep.equal([503, 'not_ready']);
    const live = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${f.url}/v1/accounts/alice/live`, { headers: { authorization: `Bearer ${f.token('alice', { device: 'phone' })}`, accept: 'text/event-stream' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { body += chunk; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(live.status).to.equal(503);
    expect(JSON.parse(live.body).error.code).to.equal('shutting_down');
  });
});
