import { expect } from 'chai';
import { filter, firstValueFrom } from 'rxjs';
import { projectionRunnerOf, type Ledger } from '../../application/api/ledger.js';
import { createLedger } from '../../infrastructure/create-ledger.js';
import { p2p } from '../support/messages.js';
import { freshPostgresUrl } from '../support/postgres.js';

/**
 * Two ledgers on one PostgreSQL database, as two processes would run (each with its own store
 * connections). Read models are still kept per process: B's follow A's writes through B's
 * subscription, woken by A's NOTIFY.
 */
describe('two ledgers on one PostgreSQL database [postgres]', () => {
  let a: Ledger;
  let b: Ledger;
  const clock = { now: 1_000_000 };
  beforeEach(async () => {
    const url = await freshPostgresUrl();
    [a, b] = await Promise.all([createLedger({ store: url, clock: () => clock.now }), createLedger({ store: url, clock: () => clock.now })]);
  });
  afterEach(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('S2.1 a message one ledger records reaches a device view open in the other (updates$), and both lists agree', async () => {
    const view = b.account('alice');
    const seen = firstValueFrom(view.updates$.pipe(filter((session) => session.lastMsg?.idClient === 'across')));
    const recorded = await a.account('alice').receiveMessage(p2p('bob', 'alice', ++clock.now, { idClient: 'across' }));
    const update = await seen;
    expect(update).to.deep.include({ id: 'p2p-bob', unread: 1 });
    expect(await b.account('alice').getLocalSession({ sessionId: 'p2p-bob' })).to.deep.equal(recorded);
  });

  it('S10.4 commands on one session from both ledgers at once lose nothing: each ledger counts every message once', async () => {
    const sends = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).account('alice').receiveMessage(p2p('bob', 'alice', clock.now + i, { idClient: `both-${i}` })));
    await Promise.all(sends);
    await projectionRunnerOf(b).waitFor(projectionRunnerOf(a).position);
    await projectionRunnerOf(a).waitFor(projectionRunnerOf(b).position);
    for (const ledger of [a, b]) expect(await ledger.account('alice').getTotalUnread()).to.equal(20);
    expect(await a.history({ account: 'alice', sessionId: 'p2p-bob' })).to.have.length(20);
  });
});
