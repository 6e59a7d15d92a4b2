import { expect } from 'chai';
import { MAX_ID_LENGTH, MAX_SESSION_ID_LENGTH } from '../../domain/event-size.js';
import { message, openHttpFixture, type HttpFixture } from './service-fixture.js';

// The service builds the same command classes the library does: the id limit is the bus's.
describe('S10.1 HTTP: an id over its limit is 400 naming the field, and nothing is appended', () => {
  let f: HttpFixture;
  beforeEach(async () => {
    f = await openHttpFixture();
    await f.register('alice');
  });
  afterEach(async () => { await f.close(); });

  it('S10.1 POST /v1/commands/* with an id one unit over the limit is 400 validation_failed naming it; at the limit it is taken', async () => {
    const before = f.ledger.position();
    const over = 'x'.repeat(MAX_ID_LENGTH + 1);
    const cases: [string, unknown, string][] = [
      ['ReceiveMessage', { message: message('bob', 'alice', 1000, over) }, 'message.idClient'],
      ['SyncMessages', { offline: [message('bob', 'alice', 1000, 'm1'), message('bob', 'alice', 1001, 'm2', { type: over })] }, 'offline[1].type'],
      ['DeleteLocalSession', { id: ['p2p-bob', `p2p-${'x'.repeat(MAX_SESSION_ID_LENGTH - 3)}`] }, 'id[1]'],
      ['DeleteSessions', { sessions: [{ scene: 'team', to: over }] }, 'sessions[0].to'],
      ['ResetSessionUnread', { sessionId: `p2p-${'x'.repeat(MAX_SESSION_ID_LENGTH - 3)}` }, 'sessionId'],
    ];
    for (const [command, body, field] of cases) {
      const res = await f.call('POST', `/v1/commands/${command}`, { as: 'alice', body });
      expect([res.status, res.body.error.code], command).to.deep.equal([400, 'validation_failed']);
      expect(res.body.error.fields.map((e: any) => [e.field, Object.keys(e.constraints)]), command).to.deep.equal([[field, ['maxLength']]]);
    }
    expect(f.ledger.position()).to.equal(before);
    const taken = await f.call('POST', '/v1/commands/ReceiveMessage', { as: 'alice', body: { message: message('bob', 'alice', 1000, 'i'.repeat(MAX_ID_LENGTH)) } });
    expect(taken.status).to.equal(200);
    expect(taken.body.result.lastMsg.idClient).to.have.length(MAX_ID_LENGTH);
  });
});
