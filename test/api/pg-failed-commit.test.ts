import { expect } from 'chai';
import type pg from 'pg';
import type { Ledger } from '../../application/api/ledger.js';
import { createLedger } from '../../infrastructure/create-ledger.js';
import { p2p } from '../support/messages.js';
import { freshPostgresUrl, withClient } from '../support/postgres.js';
import { fromTables, replayed } from '../support/pg-read-models.js';
import { spyOnQueries } from '../support/pg-query-spy.js';

/**
 * A write whose COMMIT fails after its events were folded into the account in memory (a deferred
 * constraint here; a serialization failure or a lost connection in the field). The server frees
 * the account's lock when the transaction ends, which may be before this process has heard that it
 * failed: a second write of the same account in the same process can be granted the lock first.
 * It must not build on the fold that never committed.
 *
 * The order is made certain, not left to the sockets: the failing COMMIT's answer is held back
 * until the second write has read where the account's rows are (under the lock, so after the first
 * transaction ended on the server), and is then let through on the next turn of the event loop.
 */

const MARK = 'refused-at-commit';
const ACCOUNT_LOCK = 'session-ledger-rm:alice';

interface Gate {
  /** the client whose transaction inserts the marked event (it holds the account's lock by then) */
  failing: pg.Client | undefined;
  inserting: () => void;
  /** opened once a second transaction on the account has read the account's rows position */
  open: () => void;
  opened: Promise<void>;
  /** how often the failing COMMIT was held */
  held: number;
  /** how many transactions other than the failing one locked the account */
  others: number;
}

/** Holds the failing COMMIT's rejection until `gate` opens. */
function holdFailingCommit(gate: Gate): () => void {
  const lockers = new WeakSet<pg.Client>();
  return spyOnQueries(({ client, text, values }, result) => {
    if (text.includes('INSERT INTO events') && JSON.stringify(values).includes(MARK)) {
      gate.failing = client;
      gate.inserting();
    }
    if (text.includes('pg_advisory_xact_lock') && values.includes(ACCOUNT_LOCK)) lockers.add(client);
    if (text.includes('FROM rm_accounts WHERE account = ANY') && lockers.has(client)) {
      return result.finally(() => {
        // only the failing transaction's insert names it; a write that reads the rows after that
        // was granted the lock behind it: the first's failure comes a turn of the loop later
        if (gate.failing === undefined || client === gate.failing) return;
        gate.others++;
        setImmediate(gate.open);
      });
    }
    if (text === 'COMMIT' && client === gate.failing) {
      return result.catch(async (error: unknown) => {
        gate.held++;
        await gate.opened;
        throw error;
      });
    }
    return undefined;
  });
}

describe('a write whose COMMIT fails, with a second write of the account queued in the same process (issue 9) [postgres]', () => {
  let url: string;
  let ledger: Ledger | undefined;
  let restore: (() => void) | undefined;
  const clock = { now: 1_000_000 };

  beforeEach(async () => {
    url = await freshPostgresUrl();
  });
  afterEach(async () => {
    restore?.();
    restore = undefined;
    await ledger?.close();
    ledger = undefined;
  });

  it('S10.4 the second write builds on the rows, not on the fold that never committed: rows and memory equal a rebuild', async () => {
    ledger = await createLedger({ store: url, clock: () => clock.now });
    const alice = ledger.account('alice', { device: 'phone' });
    await alice.receiveMessage(p2p('u1', 'alice', ++clock.now, { idClient: 'first' }));
    // a deferred check: the append's statements all succeed, its COMMIT fails
    await withClient(url, (client) => client.query(`
      CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.data LIKE '%${MARK}%' THEN RAISE EXCEPTION 'refused at commit'; END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER refuse_marked AFTER INSERT ON events
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_marked();`));

    let open!: () => void;
    let inserting!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const inserted = new Promise<void>((resolve) => (inserting = resolve));
    const gate: Gate = { failing: undefined, inserting, open, opened, held: 0, others: 0 };
    restore = holdFailingCommit(gate);

    // two sessions of one account: separate streams, so both go to the database at once; the
    // second once the first holds the account's lock (it sends its insert), so it waits behind it
    const refused = alice.receiveMessage(p2p('u2', 'alice', ++clock.now, { idClient: 'never', text: MARK }));
    await inserted;
    const second = alice.receiveMessage(p2p('u3', 'alice', ++clock.now, { idClient: 'second' }));
    const [first, next] = await Promise.allSettled([refused, second]);
    restore();
    restore = undefined;

    expect(first.status, 'the refused write rejects').to.equal('rejected');
    expect(String((first as PromiseRejectedResult).reason)).to.contain('refused at commit');
    expect(next.status, 'the second write succeeds').to.equal('fulfilled');
    expect(gate.held, 'the failing COMMIT was held back').to.equal(1);
    expect(gate.others, 'the second write locked the account behind it').to.equal(1);

    // a later write of the session the refused one named: on a copy that kept the refused fold,
    // its rows would count that message too
    await alice.receiveMessage(p2p('u2', 'alice', ++clock.now, { idClient: 'later' }));

    const logged = await withClient(url, (client) => client.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE data LIKE '%${MARK}%'`));
    expect(logged.rows[0]!.n, 'events of the refused write').to.equal(0);
    const expected = await replayed(url);
    const other = await createLedger({ store: url, clock: () => clock.now });
    try {
      expect(await fromTables(other, url), 'the rows').to.deep.equal(expected);
    } finally {
      await other.close();
    }
    expect(await fromTables(ledger, url), 'this process\'s memory').to.deep.equal(expected);
    expect((await alice.getLocalSessions({})).sessions.map((s) => s.id).sort()).to.deep.equal(['p2p-u1', 'p2p-u2', 'p2p-u3']);
    const u2 = (await alice.getLocalSession({ sessionId: 'p2p-u2' }))!;
    expect([u2.unread, u2.lastMsg?.idClient]).to.deep.equal([1, 'later']);
  });
});
