import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { StoreUnavailableError, WrongExpectedVersionError, type EventStore, type EventToAppend } from '../../application/ports/event-store.js';
import { PgEventStore, type PgStoreOptions } from '../../infrastructure/store/postgres/pg-event-store.js';
import { Collector } from '../support/collector.js';
import { freshPostgresUrl } from '../support/postgres.js';
import { rejection } from '../support/rejection.js';
import { eventStoreContract } from './contract.js';
import { openProxy, storesPerTest, transactionBase, waitedOnLock } from './pg-tools.js';
import pg from 'pg';

const urls = new WeakMap<EventStore, string>();

async function openAt(url: string, options?: Parameters<typeof PgEventStore.connect>[1]): Promise<PgEventStore> {
  const store = await PgEventStore.connect(url, options);
  urls.set(store, url);
  return store;
}

function anEvent(type = 'Tested'): EventToAppend {
  return { id: randomUUID(), type, data: { n: 1 }, metadata: {} };
}

/** a poll so slow that a test passing within the mocha timeout was woken by something else */
const NO_POLL = { poll: { idleMs: 3_600_000 } };

describe('PgEventStore', () => {
  eventStoreContract('PgEventStore', async () => openAt(await freshPostgresUrl()), async (store) => {
    const url = urls.get(store);
    if (!url) throw new Error('reopen takes a store opened by this test file');
    await store.close();
    return openAt(url);
  });

  describe('on one database shared by several processes', () => {
    const stores = storesPerTest();
    const open = (options?: PgStoreOptions) => stores.open(options);

    it('an event whose transaction commits late (below one already committed) is delivered, in order, never skipped', async () => {
      const store = await open(NO_POLL);
      const collector = new Collector();
      const subscription = store.subscribeToAll({}, collector.handler);
      await subscription.caughtUp;
      // another writer's append: its transaction takes its position first and commits last
      const late = new pg.Client({ connectionString: stores.url() });
      await late.connect();
      try {
        await late.query('BEGIN');
        await late.query(
          `INSERT INTO events (global_position, stream, revision, id, type, data, metadata) VALUES (${await transactionBase(late)}, 'late-1', 0, $1, 'Tested', '{}', '{}')`,
          [randomUUID()],
        );
        const early = await store.appendToStream('early-1', [anEvent()]);
        // committed, yet not readable while an older transaction runs: reading it now would skip the late one
        expect(await store.readAll()).to.deep.equal([]);
        await late.query('COMMIT');
        const after = await store.appendToStream('after-1', [anEvent()]);
        await collector.until(3, subscription);
        expect(collector.events.map((e) => e.streamName)).to.deep.equal(['late-1', 'early-1', 'after-1']);
        expect(collector.events[0]!.position.commit < early.position.commit).to.equal(true);
        expect(collector.events.map((e) => e.position)).to.deep.equal((await store.readAll()).map((e) => e.position));
        expect(collector.events[2]!.position).to.deep.equal(after.position);
      } finally {
        await late.end();
      }
    });

    it('two appends committing out of order in two processes both reach a third process\'s subscriber, in global order', async () => {
      const [writerA, writerB, reader] = [await open(), await open(), await open(NO_POLL)];
      const collector = new Collector();
      const subscription = reader.subscribeToAll({ filter: { streamPrefixes: ['race-'] } }, collector.handler);
      await subscription.caughtUp;
      // a session that writes race-a's revision 1 and rolls back later: A's append takes its place in
      // the global order, then waits for it inside its transaction while B's commits
      const blocker = new pg.Client({ connectionString: stores.url() });
      await blocker.connect();
      try {
        await writerA.appendToStream('race-a', [anEvent()]);
        await blocker.query('BEGIN');
        await blocker.query(
          `INSERT INTO events (global_position, stream, revision, id, type, data, metadata) VALUES (${await transactionBase(blocker)}, 'race-a', 1, $1, 'Tested', '{}', '{}')`,
          [randomUUID()],
        );
        const a = writerA.appendToStream('race-a', [anEvent()]);
        await waitedOnLock(blocker);
        const b = await writerB.appendToStream('race-b', [anEvent()]);
        expect(await reader.readAll({ filter: { streamPrefixes: ['race-b'] } })).to.deep.equal([]);
        await blocker.query('ROLLBACK');
        expect((await a).position.commit < b.position.commit).to.equal(true);
        await collector.until(3, subscription);
        expect(collector.events.map((e) => e.streamName)).to.deep.equal(['race-a', 'race-a', 'race-b']);
        expect(collector.events.map((e) => e.position)).to.deep.equal((await reader.readAll()).map((e) => e.position));
      } finally {
        await blocker.end();
      }
    });

    it('a caught-up subscriber in one process is woken by a commit in another (LISTEN/NOTIFY), with no poll', async () => {
      const [writer, reader] = [await open(), await open(NO_POLL)];
      const collector = new Collector();
      const subscription = reader.subscribeToAll({}, collector.handler);
      await subscription.caughtUp;
      const event = anEvent();
      await writer.appendToStream('remote-1', [event]);
      await collector.until(1, subscription);
      expect(collector.ids()).to.deep.equal([event.id]);
    });

    it('concurrent appends with the same expected revision from two processes: exactly one succeeds', async () => {
      const [one, two] = [await open(), await open()];
      await one.appendToStream('contended', [anEvent()]);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? one : two).appendToStream('contended', [anEvent()], { expectedRevision: 0n })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).to.have.length(1);
      for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
        const reason = (outcome as PromiseRejectedResult).reason as WrongExpectedVersionError;
        expect(reason).to.be.instanceOf(WrongExpectedVersionError);
        expect(reason.actual).to.equal(1n);
      }
      expect((await two.readStream('contended')).map((e) => e.revision)).to.deep.equal([0n, 1n]);
    });

    it('a retried append from another process is a no-op answering as the first time', async () => {
      const [one, two] = [await open(), await open()];
      const batch = [anEvent(), anEvent()];
      const first = await one.appendToStream('retried', batch, { expectedRevision: 'no_stream' });
      expect(await two.appendToStream('retried', batch, { expectedRevision: 'no_stream' })).to.deep.equal(first);
      expect(await one.readStream('retried')).to.have.length(2);
    });

    it('64 concurrent appends to distinct streams all commit, in one global order', async () => {
      const store = await open();
      const results = await Promise.all(Array.from({ length: 64 }, (_, i) => store.appendToStream(`many-${i}`, [anEvent()], { expectedRevision: 'no_stream' })));
      const read = await store.readAll({ filter: { streamPrefixes: ['many-'] } });
      expect(read).to.have.length(64);
      expect(read.map((e) => e.position).sort((x, y) => (x.commit < y.commit ? -1 : 1))).to.deep.equal(read.map((e) => e.position));
      expect(new Set(results.map((r) => r.position.commit)).size).to.equal(64);
    });
  });

  it('through a lost connection: calls fail with StoreUnavailableError, then work again; the subscription resumes, skipping and repeating nothing', async () => {
    const proxy = await openProxy(new URL(await freshPostgresUrl()));
    const store = await PgEventStore.connect(proxy.url, { poll: { minRetryMs: 5, maxRetryMs: 20 } });
    try {
      const collector = new Collector();
      const subscription = store.subscribeToAll({}, collector.handler);
      await subscription.caughtUp;
      const before = anEvent();
      await store.appendToStream('outage-1', [before]);
      await collector.until(1, subscription);
      proxy.down();
      const refused = await rejection(store.appendToStream('outage-1', [anEvent()]));
      expect(refused).to.be.instanceOf(StoreUnavailableError);
      expect((refused as Error).message).to.match(/PostgreSQL at 127\.0\.0\.1:\d+\/postgres is unavailable while appending to outage-1/);
      proxy.up();
      const after = anEvent();
      await store.appendToStream('outage-1', [after]);
      await collector.until(2, subscription);
      expect(collector.ids()).to.deep.equal([before.id, after.id]);
      expect((await store.readStream('outage-1')).map((e) => e.id)).to.deep.equal([before.id, after.id]);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it('a server that cannot be reached is reported as StoreUnavailableError naming it', async () => {
    const error = await rejection(PgEventStore.connect('postgres://nobody:secret@127.0.0.1:1/ledger'));
    expect(error).to.be.instanceOf(StoreUnavailableError);
    expect((error as Error).message).to.match(/PostgreSQL at 127\.0\.0\.1:1\/ledger is unavailable/);
    expect((error as Error).message).not.to.contain('secret');
  });

  it('a search_path naming no schema is refused with what to change', async () => {
    const base = new URL(await freshPostgresUrl());
    base.searchParams.set('options', '-c search_path=no_such_schema');
    expect(String(await rejection(PgEventStore.connect(base.toString())))).to.match(/schema/);
  });
});
