import { expect } from 'chai';
import { projectionRunnerOf, type Ledger } from '../../application/api/ledger.js';
import { rebuildReadModels } from '../../application/read/rebuild.js';
import { createLedger, openStore, readModelWiring } from '../../infrastructure/create-ledger.js';
import { PgReadModels } from '../../infrastructure/readmodels/pg-read-models.js';
import { p2p } from '../support/messages.js';
import { freshPostgresUrl, withClient } from '../support/postgres.js';
import { fromTables, replayed } from '../support/pg-read-models.js';
import { spyOnQueries } from '../support/pg-query-spy.js';

/**
 * Building the PostgreSQL read-model tables from the log (a store from a version without them, or
 * a `rebuild`) folds pages of the log and saves them outside the accounts' locks. It holds the
 * `read-model-build` lease from before it empties the tables until they are built: a process that
 * opens meanwhile waits and then finds them ready, and every write transaction takes the same lock
 * shared, so it waits for the build instead of writing rows into half-built tables.
 */
describe('building the PostgreSQL read-model tables while other processes open and write (issue 9) [postgres]', function () {
  this.timeout(120_000);
  let url: string;
  const ledgers: Ledger[] = [];
  const clock = { now: 3_000_000 };
  const originalClear = PgReadModels.prototype.clearAsync;

  beforeEach(async () => {
    url = await freshPostgresUrl();
  });
  afterEach(async () => {
    PgReadModels.prototype.clearAsync = originalClear;
    await Promise.all(ledgers.splice(0).map((l) => l.close()));
  });

  const opened = async () => {
    const ledger = await createLedger({ store: url, clock: () => clock.now });
    ledgers.push(ledger);
    return ledger;
  };

  async function history(ledger: Ledger, messages: number): Promise<void> {
    for (let k = 0; k < messages; k++) {
      const account = ['alice', 'bob', 'carol'][k % 3]!;
      const view = ledger.account(account, { device: k % 2 === 0 ? 'phone' : 'pc' });
      if (k % 5 === 4) await view.sendMessage(p2p(account, `u${k % 4}`, ++clock.now));
      else await view.receiveMessage(p2p(`u${k % 4}`, account, ++clock.now, { type: k % 3 === 0 ? 'image' : 'text' }));
      if (k % 11 === 10) await view.resetSessionUnread(`p2p-u${k % 4}`);
    }
  }

  it('S10.4 a rebuild while another process writes: its writes wait for the rebuild, then rows and both memories equal a replay', async () => {
    const writer = await opened();
    await history(writer, 120);
    let during: Promise<unknown> | undefined;
    // the rebuild goes on once the other process's first write has either committed (nothing
    // stopped it) or asked for the build lock shared (it waits for the rebuild)
    let asked!: () => void;
    const askedForBuildLock = new Promise<void>((resolve) => (asked = resolve));
    const restore = spyOnQueries(({ text }) => {
      if (text.includes('pg_advisory_xact_lock_shared')) asked();
      return undefined;
    });
    PgReadModels.prototype.clearAsync = async function (this: PgReadModels) {
      await originalClear.call(this);
      // the tables are empty and being built: the other process goes on writing
      const first = writer.account('alice', { device: 'phone' }).receiveMessage(p2p('dave', 'alice', ++clock.now, { idClient: 'during' }));
      during = first.then(() => history(writer, 30));
      await Promise.race([first, askedForBuildLock]);
    };
    const store = await openStore(url);
    try {
      const { runner } = await readModelWiring(store, {});
      const rebuilt = await rebuildReadModels(store, undefined, runner);
      expect(rebuilt.accounts, 'accounts rebuilt').to.be.at.least(3);
    } finally {
      await store.close();
      PgReadModels.prototype.clearAsync = originalClear;
      restore();
    }
    await during;
    const expected = await replayed(url);
    expect(await fromTables(await opened(), url), 'the rows').to.deep.equal(expected);
    expect(await fromTables(writer, url), 'the writer\'s memory').to.deep.equal(expected);
    const rows = await withClient(url, (client) => client.query<{ account: string; events: number }>('SELECT account, events::int AS events FROM rm_accounts ORDER BY account'));
    const logged = await withClient(url, (client) => client.query<{ account: string; events: number }>(
      "SELECT split_part(stream, '/', 2) AS account, count(*)::int AS events FROM events WHERE stream LIKE 'ledger/%' GROUP BY 1 ORDER BY 1"));
    expect(rows.rows, 'each account\'s rows counted each of its events once').to.deep.equal(logged.rows);
  });

  it('S10.4 three processes opening a store without tables at once: one builds them, the others wait and fold nothing', async () => {
    const first = await opened();
    await history(first, 60);
    await first.close();
    ledgers.splice(0);
    await withClient(url, (client) => client.query('TRUNCATE rm_state, rm_accounts, rm_sessions, rm_devices, rm_views, rm_counting, rm_types'));
    const logged = await withClient(url, (client) => client.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE stream LIKE 'ledger/%'"));
    const three = await Promise.all([opened(), opened(), opened()]);
    const folded = three.map((ledger) => projectionRunnerOf(ledger).eventsCaughtUp).sort((a, b) => a - b);
    expect(folded, 'events folded by each process at open').to.deep.equal([0, 0, logged.rows[0]!.n]);
    const expected = await replayed(url);
    for (const [i, ledger] of three.entries()) expect(await fromTables(ledger, url), `process ${i}`).to.deep.equal(expected);
  });
});
