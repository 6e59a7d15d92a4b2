import Database from 'better-sqlite3';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WrongExpectedVersionError, type EventStore, type EventToAppend } from '../../application/ports/event-store.js';
import { SqliteEventStore } from '../../infrastructure/store/sqlite/sqlite-store.js';
import { eventStoreContract, inProcessDeliveryContract } from './contract.js';

let directory: string | undefined;
const paths = new WeakMap<EventStore, string>();

function freshPath(): string {
  directory ??= mkdtempSync(join(tmpdir(), 'session-ledger-sqlite-'));
  return join(directory, `${randomUUID()}.db`);
}

function openAt(path: string): SqliteEventStore {
  const store = SqliteEventStore.open(path);
  paths.set(store, path);
  return store;
}

const openFile = async () => openAt(freshPath());

const reopen = async (store: EventStore) => {
  const path = paths.get(store);
  if (!path) throw new Error('reopen takes a store opened by this test file');
  await store.close();
  return openAt(path);
};

function anEvent(): EventToAppend {
  return { id: randomUUID(), type: 'Tested', data: {}, metadata: {} };
}

describe('SqliteEventStore', () => {
  after(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  eventStoreContract('SqliteEventStore on a file', openFile, reopen);
  eventStoreContract("SqliteEventStore on ':memory:'", async () => SqliteEventStore.open(':memory:'));
  inProcessDeliveryContract('SqliteEventStore', openFile);

  describe('on disk', () => {
    it('puts the database file in WAL mode', async () => {
      const path = freshPath();
      await openAt(path).close(); // the store holds the file exclusively while open; WAL mode stays in the file
      const probe = new Database(path, { readonly: true });
      try {
        expect(probe.pragma('journal_mode', { simple: true })).to.equal('wal');
      } finally {
        probe.close();
      }
    });

    it('commits the appends still queued when close is called, before closing', async () => {
      const path = freshPath();
      const store = openAt(path);
      const queued = store.appendToStream('queued-1', [anEvent()]);
      await store.close();
      expect((await queued).nextExpectedRevision).to.equal(0n);
      const reopened = openAt(path);
      try {
        expect(await reopened.readStream('queued-1')).to.have.length(1);
      } finally {
        await reopened.close();
      }
    });
  });

  describe('group commit', () => {
    let store: SqliteEventStore;
    beforeEach(() => {
      store = openAt(freshPath());
    });
    afterEach(async () => {
      await store.close();
    });

    it('64 concurrent appends to distinct streams commit in one transaction', async () => {
      const before = store.stats.transactions;
      const results = await Promise.all(
        Array.from({ length: 64 }, (_, i) => store.appendToStream(`group-${i}`, [anEvent()], { expectedRevision: 'no_stream' })),
      );
      expect(store.stats.transactions - before).to.equal(1);
      expect(results.map((r) => r.nextExpectedRevision)).to.deep.equal(Array.from({ length: 64 }, () => 0n));
      const positions = results.map((r) => r.position.commit);
      expect(positions).to.deep.equal(Array.from({ length: 64 }, (_, i) => positions[0]! + BigInt(i)));
      expect(await store.readAll({ filter: { streamPrefixes: ['group-'] } })).to.have.length(64);
    });

    it('appends issued from separate promise continuations in one turn still share a transaction', async () => {
      const before = store.stats.transactions;
      const later = async (i: number) => {
        await Promise.resolve();
        await Promise.resolve();
        return store.appendToStream(`continuation-${i}`, [anEvent()]);
      };
      await Promise.all(Array.from({ length: 8 }, (_, i) => later(i)));
      expect(store.stats.transactions - before).to.equal(1);
    });

    it('concurrent appends with the same expected revision: exactly one succeeds, the rest conflict', async () => {
      await store.appendToStream('contended', [anEvent()]);
      const before = store.stats.transactions;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, () => store.appendToStream('contended', [anEvent()], { expectedRevision: 0n })),
      );
      expect(store.stats.transactions - before).to.equal(1);
      expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', ...Array.from({ length: 9 }, () => 'rejected')]);
      for (const outcome of outcomes.slice(1)) {
        const reason = (outcome as PromiseRejectedResult).reason as WrongExpectedVersionError;
        expect(reason).to.be.instanceOf(WrongExpectedVersionError);
        expect(reason.actual).to.equal(1n);
      }
      expect((await store.readStream('contended')).map((e) => e.revision)).to.deep.equal([0n, 1n]);
    });

    it('a failing append rejects only its own promise; the others in its transaction commit', async () => {
      await store.appendToStream('taken', [anEvent()]);
      const before = store.stats.transactions;
      const outcomes = await Promise.allSettled([
        store.appendToStream('fresh-1', [anEvent()], { expectedRevision: 'no_stream' }),
        store.appendToStream('taken', [anEvent()], { expectedRevision: 'no_stream' }),
        store.appendToStream('fresh-2', [anEvent()], { expectedRevision: 'no_stream' }),
      ]);
      expect(store.stats.transactions - before).to.equal(1);
      expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
      expect((await store.readAll()).map((e) => e.streamName)).to.deep.equal(['taken', 'fresh-1', 'fresh-2']);
    });
  });
});

describe('SqliteEventStore: one process per file', () => {
  it('a second opener of the same file is refused with a clear error until the first closes', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { SqliteEventStore } = await import('../../infrastructure/store/sqlite/sqlite-store.js');
    const dir = mkdtempSync(join(tmpdir(), 'ledger-lock-'));
    try {
      const path = join(dir, 'l.sqlite');
      const first = SqliteEventStore.open(path);
      const error = (() => { try { SqliteEventStore.open(path); return null; } catch (e) { return e as Error; } })();
      expect(error?.message).to.contain('already open');
      await first.close();
      const again = SqliteEventStore.open(path);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
