import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { projectionRunnerOf, type Ledger } from '../../application/api/ledger.js';
import { START, type EventStore } from '../../application/ports/event-store.js';
import { createLedger, openStore } from '../../infrastructure/create-ledger.js';
import { p2p, team } from '../support/messages.js';
import { freshPostgresUrl, withClient } from '../support/postgres.js';
import { fromTables, replayed } from '../support/pg-read-models.js';
import { allViews } from '../support/read-model-views.js';
import { BASE_TIME, historyArb, play } from '../properties/history-runner.js';
import { cli } from '../cli/run-cli.js';

/**
 * Read models in PostgreSQL tables: every ledger on the database reads and writes the same rows,
 * each command's rows commit with its events, and no process folds the log at open.
 */


describe('read models in PostgreSQL tables [postgres]', () => {
  let url: string;
  const clock = { now: 1_000_000 };
  const open = () => createLedger({ store: url, clock: () => clock.now });
  const ledgers: Ledger[] = [];
  const opened = async () => {
    const ledger = await open();
    ledgers.push(ledger);
    return ledger;
  };

  beforeEach(async () => {
    url = await freshPostgresUrl();
  });
  afterEach(async () => {
    await Promise.all(ledgers.splice(0).map((l) => l.close()));
  });

  it('S10.5 across ledgers: a read in one right after a write the other acknowledged sees it, its cached copy of the account read again', async () => {
    const [a, b] = [await opened(), await opened()];
    // both hold alice in their caches from the start
    expect(await b.account('alice').getTotalUnread()).to.equal(0);
    for (let i = 0; i < 12; i++) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      const recorded = await writer.account('alice').receiveMessage(p2p(`u${i % 3}`, 'alice', ++clock.now, { idClient: `m${i}` }));
      expect(await reader.account('alice').getLocalSession({ sessionId: recorded!.id }), `read ${i}`).to.deep.equal(recorded);
      expect(await reader.account('alice').getTotalUnread(), `total ${i}`).to.equal(i + 1);
    }
    // a command in one decides on what the other wrote: a reset clears what both recorded
    await b.account('alice').resetSessionUnread('p2p-u0');
    const sessions = (await a.account('alice').getLocalSessions({})).sessions;
    expect(sessions.find((s) => s.id === 'p2p-u0')?.unread).to.equal(0);
    expect(await a.account('alice').getTotalUnread()).to.equal(8);
  });

  it('a ledger following another one\'s writes keeps the accounts it holds as the rows have them, without loading them for a query', async () => {
    const [a, b] = [await opened(), await opened()];
    const held = b.account('alice', { device: 'pc', db: false });
    await held.ready;
    const phone = a.account('alice', { device: 'phone' });
    for (let k = 0; k < 30; k++) {
      await phone.receiveMessage(p2p(`u${k % 5}`, 'alice', ++clock.now, { type: k % 4 === 0 ? 'image' : 'text' }));
      if (k % 7 === 0) await phone.resetSessionUnread(`p2p-u${k % 5}`);
      if (k % 11 === 0) await a.account('alice', { device: 'pc', db: false }).syncMessages({ offline: [p2p('u9', 'alice', clock.now - 1)] });
    }
    await projectionRunnerOf(b).waitFor(projectionRunnerOf(a).position);
    const expected = await replayed(url);
    const alice = (views: Record<string, unknown>) => Object.fromEntries(Object.entries(views).filter(([key]) => key.startsWith('alice/')));
    expect(alice(allViews(b.reader)), 'followed in memory').to.deep.equal(alice(expected));
  });

  it('an append whose rows fail to save commits nothing: the command rejects, the log has no event of it, and the models stay those of the rows', async () => {
    const ledger = await opened();
    const alice = ledger.account('alice');
    await alice.receiveMessage(p2p('u1', 'alice', ++clock.now));
    await withClient(url, (client) => client.query("ALTER TABLE rm_sessions ADD CONSTRAINT refuse_evil CHECK (session_id <> 'p2p-evil')"));
    const failed = await alice.receiveMessage(p2p('evil', 'alice', ++clock.now)).then(() => undefined, (error: unknown) => error);
    expect(failed, 'the command rejects').to.be.instanceOf(Error);
    const logged = await withClient(url, (client) => client.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE stream LIKE '%/evil'"));
    expect(logged.rows[0]!.n, 'events of the refused append').to.equal(0);
    expect((await alice.getLocalSessions({})).sessions.map((s) => s.id)).to.deep.equal(['p2p-u1']);
    await alice.receiveMessage(p2p('u2', 'alice', ++clock.now));
    expect(await alice.getTotalUnread()).to.equal(2);
    expect(await fromTables(await opened(), url)).to.deep.equal(await replayed(url));
  });

  it('the command line lists an account of the tables (its models loaded on use), and names a mistyped device', async () => {
    const ledger = await open();
    await ledger.account('alice', { device: 'phone' }).receiveMessage(p2p('bob', 'alice', ++clock.now));
    await ledger.close();
    const list = await cli(['sessions', 'alice', '--device', 'phone', '--store', url]);
    expect(list.code, list.stderr).to.equal(0);
    expect(list.stdout).to.match(/p2p-bob\s+1/);
    const wrong = await cli(['sessions', 'alice', '--device', 'nope', '--store', url]);
    expect(wrong.code).to.not.equal(0);
    expect(wrong.stderr).to.contain('known: phone');
  });

  it('a reopened ledger reads no event of the log, and its models equal a replay', async () => {
    const first = await open();
    const phone = first.account('alice', { device: 'phone' });
    const pc = first.account('alice', { device: 'pc', db: false });
    for (let k = 0; k < 20; k++) await phone.receiveMessage(p2p(`u${k % 4}`, 'alice', ++clock.now, { type: k % 3 === 0 ? 'image' : 'text' }));
    await pc.sendMessage(p2p('alice', 'u1', ++clock.now));
    await pc.syncMessages({ offline: [p2p('u9', 'alice', clock.now - 2), team('u8', 't1', clock.now - 1)] });
    await phone.deleteLocalSession({ id: 'p2p-u2' });
    await first.close();
    const again = await opened();
    expect(projectionRunnerOf(again).eventsCaughtUp, 'events read at open').to.equal(0);
    expect(projectionRunnerOf(again).readModels.accounts.size, 'accounts in memory at open').to.equal(0);
    expect(await fromTables(again, url)).to.deep.equal(await replayed(url));
  });

  it('random histories: the rows equal an in-memory rebuild from the log, read by a second ledger that folds nothing', async function () {
    this.timeout(120_000);
    await fc.assert(fc.asyncProperty(historyArb, async (history) => {
      url = await freshPostgresUrl();
      const history$ = { now: BASE_TIME };
      const ledger = await createLedger({ store: url, clock: () => history$.now });
      try {
        const { broken } = await play(ledger, history$, history);
        expect(broken, broken.join('\n')).to.deep.equal([]);
        const other = await createLedger({ store: url, clock: () => history$.now });
        try {
          expect(projectionRunnerOf(other).eventsCaughtUp).to.equal(0);
          const expected = await replayed(url);
          expect(await fromTables(other, url), 'rows').to.deep.equal(expected);
          expect(await fromTables(ledger, url), 'the writer\'s cache').to.deep.equal(expected);
        } finally {
          await other.close();
        }
      } finally {
        await ledger.close();
      }
    }), { numRuns: 8, seed: 20261201 });
  });

  it('a store from a version without tables (a whole-model snapshot) builds them once from the log and drops the snapshot', async () => {
    const ledger = await open();
    for (let k = 0; k < 10; k++) await ledger.account('alice').receiveMessage(p2p(`u${k % 3}`, 'alice', ++clock.now));
    await ledger.account('bob').sendMessage(p2p('bob', 'alice', ++clock.now));
    const live = await fromTables(ledger, url);
    await ledger.close();
    await withClient(url, async (client) => {
      await client.query('TRUNCATE rm_state, rm_accounts, rm_sessions, rm_devices, rm_views, rm_counting, rm_types');
      await client.query("INSERT INTO checkpoints (name, commit_position, prepare_position, state) VALUES ('session-list', 5, 5, '{\"accounts\":[]}')");
    });
    const migrated = await opened();
    expect(projectionRunnerOf(migrated).eventsCaughtUp).to.be.greaterThan(10);
    expect(await fromTables(migrated, url)).to.deep.equal(live);
    const left = await withClient(url, (client) => client.query("SELECT count(*)::int AS n FROM checkpoints WHERE name = 'session-list'"));
    expect(left.rows[0].n).to.equal(0);
    const again = await opened();
    expect(projectionRunnerOf(again).eventsCaughtUp).to.equal(0);
    expect(await fromTables(again, url)).to.deep.equal(live);
  });

  it('events a writer without read models appended are folded once, by the ledgers that follow the log', async () => {
    const [a, b] = [await opened(), await opened()];
    await a.account('alice').receiveMessage(p2p('u1', 'alice', ++clock.now));
    // a bare store (no ledger, no hook) copies alice's events to a stream of carol's
    const bare = (await openStore(url)) as EventStore;
    const events = await bare.readAll({ fromPosition: START });
    const stream = events.find((e) => e.type === 'MessageReceived')!.streamName.replace('alice', 'carol');
    const written = await bare.appendToStream(stream, events.filter((e) => e.streamName.includes('/session/')).map((e) => ({ id: randomUUID(), type: e.type, data: e.data, metadata: e.metadata })));
    await bare.close();
    await Promise.all([projectionRunnerOf(a).waitFor(written.position), projectionRunnerOf(b).waitFor(written.position)]);
    const rows = await withClient(url, (client) => client.query<{ n: number }>("SELECT count(*)::int AS n FROM rm_accounts WHERE account = 'carol'"));
    expect(rows.rows[0]!.n).to.equal(1);
    expect(await fromTables(await opened(), url)).to.deep.equal(await replayed(url));
  });
});
