import { expect } from 'chai';
import { openHttpFixture, openSse, type HttpFixture, type SseConnection } from '../http/service-fixture.js';

/** S7.7 through the HTTP live feed: a db:false device's sync that forgets a local insert is an `event: removed`, as a delete is. */
describe('S7.7 HTTP live feed (README, live updates)', () => {
  let f: HttpFixture;
  let c: SseConnection | undefined;
  beforeEach(async () => {
    f = await openHttpFixture();
  });
  afterEach(async () => {
    c?.close();
    await f.close();
  });

  it('S7.7 S7.3 a sync on a device without a database that forgets its local insert sends `removed`, like a local delete', async () => {
    await f.register('alice', 'kiosk', { db: false });
    c = await openSse(`${f.url}/v1/accounts/alice/live?db=false`, f.token('alice', { device: 'kiosk' }));
    expect((await c.next()).event).to.equal('sessions');
    const as = { token: f.token('alice', { device: 'kiosk' }) };
    expect((await f.call('POST', '/v1/commands/InsertLocalSession', { ...as, body: { scene: 'team', to: 'lobby' } })).status).to.equal(200);
    expect((await c.next()).data.session).to.include({ id: 'team-lobby' });
    expect((await f.call('POST', '/v1/commands/SyncMessages', { ...as, body: {} })).status).to.equal(200);
    const removed = await c.next();
    expect([removed.event, removed.data]).to.deep.equal(['removed', { sessionId: 'team-lobby', total: 0 }]);
  });
});
