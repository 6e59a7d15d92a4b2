import { expect } from 'chai';
import { projectionRunnerOf, type Ledger } from '../../application/api/ledger.js';
import { createLedger } from '../../infrastructure/create-ledger.js';
import { PgReadModels } from '../../infrastructure/readmodels/pg-read-models.js';
import { p2p } from '../support/messages.js';
import { freshPostgresUrl, withClient } from '../support/postgres.js';
import { fromTables, replayed } from '../support/pg-read-models.js';

/**
 * A ledger that opens on a PostgreSQL store while another process writes (a restart beside
 * running processes). Every event on this store comes with its rows, written in its transaction
 * under its account's lock; the opening process must not fold again the events committed between
 * its reading of the log's head and its subscription, nor save rows outside an account's lock.
 * Before, it caught up from the head it read at open: those events were folded a second time into
 * copies loaded from rows that held them already, and saved with the page's position, overwriting
 * newer rows of other processes (the multi-process test's rare rows-versus-rebuild mismatch).
 *
 * The window is made certain: the opening ledger's read of the head returns, then another ledger
 * writes, then the open goes on.
 */
describe('a ledger opening on PostgreSQL while another writes (issue 9) [postgres]', () => {
  let url: string;
  const ledgers: Ledger[] = [];
  const clock = { now: 2_000_000 };
  const original = PgReadModels.prototype.open;

  beforeEach(async () => {
    url = await freshPostgresUrl();
  });
  afterEach(async () => {
    PgReadModels.prototype.open = original;
    await Promise.all(ledgers.splice(0).map((l) => l.close()));
  });

  it('S10.4 events committed between its open and its subscription are folded once: rows equal a rebuild, its checkpoint passes them', async () => {
    const writer = await createLedger({ store: url, clock: () => clock.now });
    ledgers.push(writer);
    const alice = writer.account('alice', { device: 'phone' });
    await alice.receiveMessage(p2p('bob', 'alice', ++clock.now, { idClient: 'before' }));

    let during: Promise<unknown> | undefined;
    PgReadModels.prototype.open = async function (this: PgReadModels) {
      const head = await original.call(this);
      // another process writes right after this one read where the log ends
      during = (async () => {
        await alice.receiveMessage(p2p('bob', 'alice', ++clock.now, { idClient: 'between-1' }));
        await alice.receiveMessage(p2p('carol', 'alice', ++clock.now, { idClient: 'between-2' }));
        await writer.account('bob').sendMessage(p2p('bob', 'alice', ++clock.now, { idClient: 'between-3' }));
      })();
      await during;
      return head;
    };
    const opening = await createLedger({ store: url, clock: () => clock.now });
    ledgers.push(opening);
    PgReadModels.prototype.open = original;
    await during;
    expect(await opening.waitForPosition(writer.position(), { timeoutMs: 10_000 }), 'the opening ledger follows past them').to.equal(true);

    const rows = await withClient(url, (client) => client.query<{ account: string; events: number }>('SELECT account, events::int AS events FROM rm_accounts ORDER BY account'));
    const logged = await withClient(url, (client) => client.query<{ account: string; events: number }>(
      "SELECT split_part(stream, '/', 2) AS account, count(*)::int AS events FROM events WHERE stream LIKE 'ledger/%' GROUP BY 1 ORDER BY 1"));
    expect(rows.rows, 'each account\'s rows counted each of its events once').to.deep.equal(logged.rows);
    const expected = await replayed(url);
    const reader = await createLedger({ store: url, clock: () => clock.now });
    ledgers.push(reader);
    expect(await fromTables(reader, url), 'the rows').to.deep.equal(expected);
    expect(await fromTables(opening, url), 'the opening ledger\'s memory').to.deep.equal(expected);
    const session = await opening.account('alice', { device: 'phone' }).getLocalSession({ sessionId: 'p2p-bob' });
    expect([session?.unread, session?.lastMsg?.idClient]).to.deep.equal([3, 'between-3']);
  });
});
