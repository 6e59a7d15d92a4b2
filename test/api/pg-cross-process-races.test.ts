import { expect } from 'chai';
import type { Ledger } from '../../application/api/ledger.js';
import { createLedger } from '../../infrastructure/create-ledger.js';
import { p2p } from '../support/messages.js';
import { SHARED_STORES, type SharedStore } from '../support/shared-stores.js';

/**
 * Decisions that read more than the stream they append to (the account's top updateTime, a
 * device's login), taken by two ledgers sharing one deployment at once, as two processes would.
 * Each process takes turns with itself in lanes; across processes the turns are the PostgreSQL
 * database's (advisory locks held while deciding): the store's, or the read models' on
 * EventStoreDB. Before that, both rules below broke.
 */
for (const deployment of SHARED_STORES) describe(`decisions from two processes on ${deployment.title} ${deployment.tag}`, function () {
  this.timeout(60_000);
  let shared: SharedStore | undefined;
  let a: Ledger;
  let b: Ledger;
  const clock = { now: 5_000_000 };
  beforeEach(async () => {
    shared = await deployment.open();
    const options = { store: shared.store, ...(shared.readModels !== undefined && { readModels: shared.readModels }), clock: () => clock.now };
    [a, b] = await Promise.all([createLedger(options), createLedger(options)]);
  });
  afterEach(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await shared?.close();
  });

  it('S7.1 inserts without updateTime from both processes at once: each is later than every session before it (no two alike)', async () => {
    const inserts = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? a : b).account('alice').insertLocalSession({ scene: 'team', to: `t${i}` }));
    const times = (await Promise.all(inserts)).map(({ session }) => session.updateTime);
    expect(new Set(times).size, `updateTimes ${times.join(',')}`).to.equal(times.length);
    const listed = (await a.account('alice').getLocalSessions()).sessions.map((s) => s.updateTime);
    expect(listed).to.have.length(16);
    expect(new Set(listed).size).to.equal(16);
  });

  it('S7.7 a db:false device: an insert in one process alongside a sync in the other resolves its session, and the list is what a replay gives', async () => {
    const inB = b.account('alice', { device: 'kiosk', db: false });
    const inA = a.account('alice', { device: 'kiosk', db: false });
    await Promise.all([inA.ready, inB.ready]);
    for (let round = 0; round < 12; round++) {
      const insert = inB.insertLocalSession({ scene: 'team', to: `r${round}` });
      const sync = inA.syncMessages({ offline: [p2p('bob', 'alice', clock.now - 100 + round)] });
      const [{ session }] = await Promise.all([insert, sync]);
      expect(session, `round ${round}: the insert resolved no session`).to.include({ id: `team-r${round}` });
    }
    expect(await b.waitForPosition(a.position(), { timeoutMs: 10_000 })).to.equal(true);
    const listed = (await inB.getLocalSessions()).sessions.map((s) => s.id).sort();
    const replayed = (await b.sessionsAt({ account: 'alice', device: 'kiosk', at: clock.now + 1 })).map((s) => s.id).sort();
    expect(listed).to.deep.equal(replayed);
  });
});
