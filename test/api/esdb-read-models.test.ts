import { expect } from 'chai';
import { Ledger, projectionRunnerOf } from '../../application/api/ledger.js';
import { STREAM_ROOT } from '../../domain/identity.js';
import { createLedger, openStore } from '../../infrastructure/create-ledger.js';
import { rebuildReadModels } from '../../application/read/rebuild.js';
import { openReadModels } from '../../infrastructure/readmodels/separate-read-models.js';
import { startTestServer, type TestServer } from '../esdb-server/server.js';
import { p2p, team } from '../support/messages.js';
import { randomBytes } from 'node:crypto';
import { freshPostgresUrl, postgresUrl, withClient } from '../support/postgres.js';
import { allViews, inMemoryRebuild, leaseHolder, loadedViews, projectedTables } from '../support/projected-read-models.js';
import { SharedCommitStore } from '../support/shared-commit-store.js';
import { cli } from '../cli/run-cli.js';

/** A few accounts, devices, sends (each with a peer copy) and a sync of several messages in one append. */
async function workload(ledger: Ledger, clock: { now: number }, tag: string): Promise<void> {
  const view = ledger.account(`alice-${tag}`, { device: 'phone' });
  for (let i = 0; i < 6; i++) {
    await view.receiveMessage(p2p(`u${i % 3}`, `alice-${tag}`, ++clock.now));
    if (i % 2 === 0) await view.sendMessage(p2p(`alice-${tag}`, `bob`, ++clock.now));
  }
  await ledger.account(`carol-${tag}`).syncMessages({ offline: [p2p('u1', `carol-${tag}`, ++clock.now), p2p('u2', `carol-${tag}`, ++clock.now), team('u3', 't1', ++clock.now)] });
  await view.resetSessionUnread('p2p-u1');
}

/** How many ledger events the log holds. */
async function ledgerEvents(url: string): Promise<number> {
  const store = await openStore(url);
  try {
    return (await store.readAll({ filter: { streamPrefixes: [STREAM_ROOT] } })).length;
  } finally {
    await store.close();
  }
}

describe('issue 9.3 EventStoreDB with read models in PostgreSQL: one projector, taken over when it dies [esdb+postgres]', function () {
  this.timeout(60_000);
  let server: TestServer;
  let readModels: string;
  const clock = { now: 1_000_000 };
  const open: Ledger[] = [];
  const ledger = async () => {
    const opened = await createLedger({ store: server.url, readModels, clock: () => clock.now });
    open.push(opened);
    return opened;
  };

  beforeEach(async () => {
    server = await startTestServer();
    readModels = await freshPostgresUrl();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close()));
    await server.close();
  });

  it('9.3 the projector lease moves to the other ledger when its session ends; commands in both still read their writes; each event folded once', async () => {
    const a = await ledger();
    await workload(a, clock, 'a1');
    expect(a.projecting, 'the first ledger projects').to.equal(true);
    const b = await ledger();
    // B reads A's acknowledged writes from the rows; it does not project
    expect(await b.account('alice-a1', { device: 'phone' }).getLocalSession({ sessionId: 'p2p-u0' })).to.deep.include({ unread: 2 });
    await workload(b, clock, 'b1');
    expect(b.projecting).to.equal(false);

    await withClient(readModels, (c) => leaseHolder(readModels).then((pid) => c.query('SELECT pg_terminate_backend($1)', [pid])));
    // the commands resolve once a projector (B, which waited for the lease) has passed them
    await workload(a, clock, 'a2');
    await workload(b, clock, 'b2');
    expect([a.projecting, b.projecting], 'projecting after the takeover [a, b]').to.deep.equal([false, true]);
    expect(await a.account('alice-b2', { device: 'phone' }).getLocalSession({ sessionId: 'p2p-u0' })).to.deep.include({ unread: 2 });

    await a.close();
    await workload(b, clock, 'b3');
    const tables = await projectedTables(readModels);
    const folded = [...tables.accounts.values()].reduce((sum, n) => sum + n, 0);
    expect(folded, 'events folded into the rows').to.equal(await ledgerEvents(server.url));
    const accounts = [...tables.accounts.keys()];
    const store = await openStore(server.url);
    try {
      expect(await loadedViews(b, accounts)).to.deep.equal(allViews((await inMemoryRebuild(store)).reader, accounts));
    } finally {
      await store.close();
    }
  });

  it('9.3 a closed ledger gives the lease up: the other takes over, and a third that opens later reads every write', async () => {
    const a = await ledger();
    const b = await ledger();
    await workload(a, clock, 'x');
    const [first, second] = a.projecting ? [a, b] : [b, a];
    await first.close();
    await workload(second, clock, 'y');
    expect(second.projecting).to.equal(true);
    const c = await ledger();
    expect(await c.account('alice-y', { device: 'phone' }).getTotalUnread()).to.equal(await second.account('alice-y', { device: 'phone' }).getTotalUnread());
    expect(projectionRunnerOf(c).eventsCaughtUp, 'events a new process folds at open').to.equal(0);
  });

  it('9.3 a batch whose transaction fails mid-way leaves neither its rows nor its checkpoint; the projector starts again from the checkpoint', async () => {
    const a = await ledger();
    await workload(a, clock, 'ok');
    const before = await projectedTables(readModels);
    // the batch's first row fails inside its transaction, after the checkpoint moved in it; each refusal is counted by a sequence (not rolled back)
    await withClient(readModels, (c) => c.query(`
      CREATE SEQUENCE refusals;
      CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('refusals'); RAISE EXCEPTION 'refused mid-batch'; END $$;
      CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON rm_accounts FOR EACH ROW WHEN (NEW.account = 'dave') EXECUTE FUNCTION refuse_row();`));
    const refusals = () => withClient(readModels, async (c) => Number((await c.query<{ n: string }>("SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM refusals")).rows[0]!.n));
    const pending = a.account('dave').receiveMessage(p2p('u9', 'dave', ++clock.now));
    try {
      let refused = 0;
      for (let i = 0; i < 2000 && refused < 2; i++) refused = await refusals();
      expect(refused, 'batches refused').to.be.at.least(2);
      const state = await projectedTables(readModels);
      expect(state.checkpoint, 'checkpoint after the failed batches').to.deep.equal(before.checkpoint);
      expect(state.accounts.has('dave'), 'rows of the failed batches').to.equal(false);
    } finally {
      await withClient(readModels, (c) => c.query('DROP TRIGGER refuse ON rm_accounts'));
    }
    await pending;
    const after = await projectedTables(readModels);
    expect(after.accounts.get('dave'), 'dave\'s events (his device, his message), folded once').to.equal(2);
    expect(await a.account('dave').getTotalUnread()).to.equal(1);
  });

  it('9.3 rebuild empties the tables and folds the log again, holding the lease: the rows equal an in-memory rebuild', async () => {
    const a = await ledger();
    await workload(a, clock, 'r');
    await a.close();
    const before = await projectedTables(readModels);
    const store = await openStore(server.url);
    try {
      const { events, accounts } = await rebuildReadModels(store, undefined, await openReadModels(readModels, undefined));
      expect(events).to.equal(await ledgerEvents(server.url));
      expect(accounts).to.be.greaterThan(0);
      const after = await projectedTables(readModels);
      expect(after).to.deep.equal(before);
      const b = await ledger();
      const ids = [...after.accounts.keys()];
      expect(await loadedViews(b, ids)).to.deep.equal(allViews((await inMemoryRebuild(store)).reader, ids));
    } finally {
      await store.close();
    }
  });

  it('9.3 session-ledger rebuild --read-models builds the tables again from the log', async () => {
    const a = await ledger();
    await workload(a, clock, 'cli');
    await a.close();
    const before = await projectedTables(readModels);
    const r = await cli(['rebuild', '--store', server.url, '--read-models', readModels]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(new RegExp(`rebuilt the read models of ${before.accounts.size} accounts from ${await ledgerEvents(server.url)} events`));
    expect(await projectedTables(readModels)).to.deep.equal(before);
    const refused = await cli(['rebuild', '--store', 'postgres://127.0.0.1:1/x', '--read-models', readModels]);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.contain('is for an EventStoreDB store');
  });
});

describe('issue 9.3 the read-model database: its own pool, its schema and tables created if missing [esdb+postgres]', function () {
  this.timeout(60_000);

  it('9.3 a search_path naming a schema that does not exist: the schema, the tables and the checkpoint are created, and the ledger reads its writes', async () => {
    const server = await startTestServer();
    const schema = `rm_${randomBytes(5).toString('hex')}`;
    const url = new URL(await postgresUrl());
    url.searchParams.set('options', `-c search_path=${schema}`);
    const clock = { now: 1_000_000 };
    const ledger = await createLedger({ store: server.url, readModels: url.toString(), clock: () => clock.now });
    try {
      await ledger.account('erin').receiveMessage(p2p('u1', 'erin', ++clock.now));
      expect(await ledger.account('erin').getTotalUnread()).to.equal(1);
      const tables = await withClient(url.toString(), async (c) => (await c.query<{ name: string }>(
        'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema],
      )).rows.map((r) => r.name));
      expect(tables).to.include.members(['rm_accounts', 'rm_projector', 'rm_sessions', 'rm_state', 'rm_views']);
      expect((await projectedTables(url.toString())).accounts.get('erin')).to.equal(2);
    } finally {
      await ledger.close();
      await server.close();
      await withClient(url.toString(), (c) => c.query(`DROP SCHEMA ${schema} CASCADE`));
    }
  });
});

describe('issue 9.3 readModels: a clear TypeError for a value no store takes, and nothing opened', () => {
  for (const [store, readModels, says] of [
    ['memory', 'postgres://127.0.0.1/x', /readModels "postgres:\/\/127.0.0.1\/x" is for an EventStoreDB store/],
    ['postgres://127.0.0.1:1/x', 'postgres://127.0.0.1/x', /store "postgres:\/\/127.0.0.1:1\/x" keeps its read models itself/],
    ['esdb://127.0.0.1:1?tls=false', 'mysql://127.0.0.1/x', /readModels "mysql:\/\/127.0.0.1\/x" is not one of 'postgres:\/\/…', 'postgresql:\/\/…' or 'sqlite:<path>'/],
    ['esdb://127.0.0.1:1?tls=false', 'sqlite:', /give a file after 'sqlite:'/],
    ['esdb://127.0.0.1:1?tls=false', 42, /readModels must be a connection string/],
  ] as const) {
    it(`store ${String(store)}, readModels ${String(readModels)}`, async () => {
      let error: unknown;
      await createLedger({ store, readModels: readModels as string }).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.match(says);
    });
  }
});

describe('issue 9.3 positions that share a commit position (a multi-event EventStoreDB append) [esdb+postgres]', function () {
  this.timeout(60_000);

  it('9.3 rows and checkpoint tell apart positions that share their commit: a read in the other process sees each later write, and the checkpoint keeps both parts', async () => {
    const server = await startTestServer();
    const readModels = await freshPostgresUrl();
    const clock = { now: 1_000_000 };
    const open = async () => Ledger.open({ store: new SharedCommitStore(await openStore(server.url)), clock: () => clock.now, runner: await openReadModels(readModels, undefined) });
    const a = await open();
    const b = await open();
    try {
      const alice = a.account('alice');
      // one sync: several events in one append, one commit position for all of them
      await alice.syncMessages({ offline: [p2p('u1', 'alice', ++clock.now), p2p('u2', 'alice', ++clock.now), p2p('u3', 'alice', ++clock.now)] });
      expect(await b.account('alice').getTotalUnread(), 'B, first read').to.equal(3);
      for (let i = 0; i < 3; i++) {
        await alice.receiveMessage(p2p('u1', 'alice', ++clock.now));
        // B cached alice at commit 0: only the count of events folded says her rows moved on
        expect(await b.account('alice').getTotalUnread(), `B after A's write ${i + 1}`).to.equal(4 + i);
      }
      const tables = await projectedTables(readModels);
      const log = new SharedCommitStore(await openStore(server.url));
      const [head] = await log.readAll({ direction: 'backwards', maxCount: 1, filter: { streamPrefixes: [STREAM_ROOT] } });
      await log.close();
      expect(head!.position.commit, 'the log\'s commit positions').to.equal(0n);
      expect(tables.checkpoint, 'the checkpoint: both parts of the last event\'s position').to.deep.equal(head!.position);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await server.close();
    }
  });
});
