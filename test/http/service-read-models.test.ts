import { expect } from 'chai';
import { startTestServer, type TestServer } from '../esdb-server/server.js';
import { openServiceLedger } from '../../infrastructure/http/server.js';
import { freshPostgresUrl } from '../support/postgres.js';
import { rejection } from '../support/rejection.js';
import { message, openHttpFixture, type HttpFixture } from './service-fixture.js';

// Issue 9 items 3 and 7: N service processes on one EventStoreDB store share their read models in
// PostgreSQL (`serve --read-models`); here two services in one test process stand for two.
describe('9.3 the HTTP service on EventStoreDB with read models in PostgreSQL', function () {
  this.timeout(60_000);
  let server: TestServer;
  const open: HttpFixture[] = [];

  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((f) => f.close()));
    await server.close();
  });

  it('9.3 a command acknowledged by one service is read by the other at once; one of them projects', async () => {
    const readModels = await freshPostgresUrl();
    const a = await openHttpFixture({ store: server.url, readModels });
    open.push(a);
    const b = await openHttpFixture({ store: server.url, readModels });
    open.push(b);
    // a service opens before its projector's campaign is decided; once a command resolved, the
    // checkpoint has moved, so one of them leads
    await a.register('alice');
    expect([a.ledger.projecting, b.ledger.projecting].filter(Boolean)).to.have.length(1);
    for (let i = 0; i < 5; i++) {
      const sent = await (i % 2 === 0 ? a : b).call('POST', '/v1/commands/ReceiveMessage', { as: 'alice', body: { message: message('bob', 'alice', 1_000 + i, `m${i}`) } });
      expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
      // the other service, right after the acknowledgement
      const other = i % 2 === 0 ? b : a;
      const read = await other.call('GET', '/v1/accounts/alice/sessions/p2p-bob?device=phone', { as: 'alice' });
      expect(read.status).to.equal(200);
      expect(read.body.session).to.deep.include({ id: 'p2p-bob', unread: i + 1 });
      expect(read.body.session.lastMsg).to.deep.include({ idClient: `m${i}` });
    }
  });

  it('9.3 readModels with a store that keeps its own is refused naming readModels, before anything opens', async () => {
    const error = await rejection(openServiceLedger('memory', Date.now, undefined, 'postgres://nowhere.invalid/db'));
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.contain('readModels').and.to.contain('EventStoreDB');
  });
});
