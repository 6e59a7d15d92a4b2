import type pg from 'pg';
import { accountPrefix, parseStream } from '../../domain/identity.js';
import type { ConcurrentFolder, FoldedTransaction, StoredPosition } from '../../projections/session-list/read-model-store.js';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { PgEventStore } from '../store/postgres/pg-event-store.js';
import type { Lease } from '../../application/ports/lease.js';
import type { PgHookedWrite } from '../store/postgres/pg-append.js';
import { logHead, prepared } from '../store/postgres/pg-log.js';
import { positionAt } from '../store/shared/records.js';
import { commitAfter } from '../store/postgres/pg-transaction.js';
import { upcast } from '../upcasting/upcasters.js';
import { accountWrites } from './account-row-writes.js';
import { accountEvents } from './pg-account-events.js';

import { PG_READ_MODEL_FORMAT } from './pg-read-model-schema.js';
import { accountPositions, emptyTables, readState, writeAccounts, writeState, type RowsAt } from './pg-read-model-rows.js';
import { PgTableModels, READ_MODEL_NAME, type PgReadModelOptions } from './pg-table-models.js';

/** the checkpoint the in-process read models kept their whole-model snapshot in */
const OLD_SNAPSHOT = 'session-list';
/** accounts are locked under this prefix (pg_advisory_xact_lock takes one bigint) */
const LOCK_PREFIX = 'session-ledger-rm:';
/**
 * The lease a build or a rebuild of the tables holds from before it empties them until they are
 * built: one builds at a time, a process opening meanwhile waits for it, and every write
 * transaction takes the same lock shared, so none writes rows while the tables are rebuilt.
 */
const BUILD_LEASE = 'read-model-build';

/** A write transaction's part in the tables, under its account's advisory lock. */
interface AccountWrite {
  readonly ready: Promise<unknown>;
  /** folds the events (upcast) and sends their rows */
  apply(events: readonly RecordedEvent[]): Promise<unknown>;
  committed(): void;
  rolledBack(): void;
}

/**
 * The session-list read models as tables in the PostgreSQL database of the events, shared by every
 * ledger process on it, with a bounded cache of accounts in each. A write transaction takes its
 * account's advisory lock before it writes (so the transaction ids, the log's order, follow the
 * order in which the account's folds run), reads the account again if another process moved it
 * on, folds its events and upserts their rows before COMMIT: rows and events commit together, and
 * each event is folded once, by the process that wrote it. Reads are synchronous, so the accounts
 * a command, a query or a batch reads are loaded first (`use`), checked against the position their
 * rows keep: a read in one process sees every write another process acknowledged.
 */
export class PgReadModels extends PgTableModels {
  /** held while this process builds the tables (open found none, or a rebuild emptied them) */
  private buildLease: Lease | undefined;
  private readonly buildKey: string;

  constructor(private readonly store: PgEventStore, options: PgReadModelOptions = {}) {
    super(store, options);
    this.buildKey = store.leases.keyOf(BUILD_LEASE);
  }

  /**
   * The log's head when the tables are built (nothing to fold: every event came with its rows);
   * null when they must be built from the log (none yet, or of another format), by this process,
   * which holds the build lease until `built`. Tables of a log with no events are built at once.
   */
  async open(): Promise<StoredPosition | null> {
    if (await this.formatIsCurrent()) return positionAt(await this.store.readTables('reading the log head', logHead));
    // one process builds them; the others wait here until it is done, then find them ready
    const lease = await this.holdBuildLease();
    try {
      const built = await this.store.writeTables('preparing the read-model tables', async (db) => {
        const [again, head] = await Promise.all([readState(db, READ_MODEL_NAME), logHead(db as unknown as pg.Pool)]);
        if (again === PG_READ_MODEL_FORMAT) return commitAfter(db, Promise.resolve(head));
        await Promise.all([emptyTables(db), db.query('DELETE FROM checkpoints WHERE name = $1', [OLD_SNAPSHOT])]);
        return commitAfter(db, head < 0n ? writeState(db, READ_MODEL_NAME, PG_READ_MODEL_FORMAT).then(() => head) : Promise.resolve(undefined));
      });
      if (built !== undefined) {
        await lease.release();
        return positionAt(built);
      }
    } catch (error) {
      await lease.release();
      throw error;
    }
    this.buildLease = lease;
    this.building = true;
    return null;
  }

  /** A rebuild empties the tables holding the build lease: write transactions wait until it is done. */
  override async clearAsync(): Promise<void> {
    const lease = this.buildLease ?? (await this.holdBuildLease());
    this.buildLease = lease;
    try {
      await super.clearAsync();
    } catch (error) {
      await this.releaseBuild();
      throw error;
    }
  }

  override async built(): Promise<void> {
    try {
      await super.built();
    } finally {
      await this.releaseBuild();
    }
  }

  override async close(): Promise<void> {
    await this.releaseBuild();
    await super.close();
  }

  private async formatIsCurrent(): Promise<boolean> {
    return (await this.store.readTables('reading the read-model tables', (db) => readState(db, READ_MODEL_NAME))) === PG_READ_MODEL_FORMAT;
  }

  private async holdBuildLease(): Promise<Lease> {
    const lease = this.store.leases.campaign(BUILD_LEASE);
    try {
      await lease.held;
    } catch (error) {
      await lease.release();
      throw error;
    }
    return lease;
  }

  private async releaseBuild(): Promise<void> {
    const lease = this.buildLease;
    this.buildLease = undefined;
    await lease?.release();
  }

  joinTransactions(folder: ConcurrentFolder<RecordedEvent>): () => void {
    this.store.hookWrites({ begin: (db, stream) => this.hooked(db, stream, folder) });
    // a reload of an account the views hold tells them of the events it brings
    // inside a write transaction (db given), on its own connection
    const history = async (db: pg.Pool | pg.PoolClient | undefined, id: string) =>
      (await this.store.readStreamsWithPrefix(accountPrefix(id), db)).map(upcast);
    this.tellViewsOf((db, id, after, upTo) => this.accountEvents(db, id, after, upTo), history, folder);
    return () => {
      this.store.hookWrites(undefined);
      this.memory.reloads = undefined;
    };
  }

  async followed(events: readonly RecordedEvent[], folder: ConcurrentFolder<RecordedEvent>): Promise<void> {
    const byAccount = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      const account = parseStream(event.streamName)?.account;
      if (account === undefined) continue;
      const own = byAccount.get(account);
      if (own) own.push(event);
      else byAccount.set(account, [event]);
    }
    if (byAccount.size === 0) return;
    const positions = await this.store.readTables('reading the read models', (db) => accountPositions(db, [...byAccount.keys()]));
    await Promise.all([...byAccount].map(async ([id, own]) => {
      const rows = positions.get(id) ?? { position: -1n, events: 0n };
      if (rows.position < own[own.length - 1]!.position.commit) return this.foldUnfolded(id, own, folder);
      if (this.memory.model(id) && this.memory.positionOf(id) < rows.position) await this.catchUpCached(id, own, rows, folder);
    }));
  }

  /**
   * An account cached here that another process moved to `rows`. When this batch holds every event
   * between the two (their count says so), they are folded into it here, in memory: the rows hold
   * the same. Otherwise (an event folded elsewhere came before the copy here was read) it is read
   * again from its rows (bringUp: the views holding it are told of every event the rows bring,
   * read from the log). Either way the views hear of them once the model is in place.
   */
  private async catchUpCached(id: string, events: readonly RecordedEvent[], rows: RowsAt, folder: ConcurrentFolder<RecordedEvent>): Promise<void> {
    const release = this.memory.hold([id]);
    try {
      // a write of this process that may have rolled back is not built on (see PgAccountMemory.bringUp)
      await this.memory.settled(id);
      const here = this.memory.at(id);
      const tail = events.filter((e) => e.position.commit > here.position && e.position.commit <= rows.position);
      if (tail.length > 0 && here.events + BigInt(tail.length) === rows.events && tail[tail.length - 1]!.position.commit === rows.position) {
        const model = this.memory.model(id)!;
        const views = folder.fold(tail);
        const at = this.memory.folded(id, model, rows.position, views.changes.accounts.get(id)?.events ?? 0);
        if (at.events !== rows.events) await this.memory.bringUp(undefined, id, rows);
        return views.committed();
      }
      // read again, its views told of what the rows' copy brings (a fold here ahead of the rows stays)
      await this.memory.bringUp(undefined, id, rows);
    } finally {
      release();
    }
  }

  private accountEvents(db: pg.Pool | pg.PoolClient | undefined, id: string, after: bigint, upTo: bigint): Promise<RecordedEvent[]> {
    return db ? accountEvents(db, id, after, upTo) : this.store.readTables('reading an account\'s events', (pool) => accountEvents(pool, id, after, upTo));
  }

  /** Events a writer without read models appended: folded and saved here, once, under the account's lock. */
  private async foldUnfolded(id: string, events: readonly RecordedEvent[], folder: ConcurrentFolder<RecordedEvent>): Promise<void> {
    await this.store.writeTables('folding events written without read models', async (db) => {
      const write = this.accountWrite(db, id, folder);
      try {
        await write.ready;
        const from = this.memory.positionOf(id);
        await commitAfter(db, write.apply(events.filter((e) => e.position.commit > from)));
        write.committed();
      } catch (error) {
        write.rolledBack();
        throw error;
      }
    });
  }

  private hooked(db: pg.PoolClient, stream: string, folder: ConcurrentFolder<RecordedEvent>): PgHookedWrite | undefined {
    const account = parseStream(stream)?.account;
    if (account === undefined) return undefined;
    const write = this.accountWrite(db, account, folder);
    return { ready: write.ready, appended: (events) => write.apply(events.map(upcast)), committed: () => write.committed(), rolledBack: () => write.rolledBack() };
  }

  /**
   * Locks the account for the transaction and reads it again if its rows moved on; `apply` folds
   * into it and sends its rows, with the position of the last event.
   */
  private accountWrite(db: pg.PoolClient, id: string, folder: ConcurrentFolder<RecordedEvent>): AccountWrite {
    const release = this.memory.hold([id]);
    // the statements go out now, ahead of the append's: the locks before the transaction writes
    // (the build lease's shared: no rows are written while a rebuild runs; then the account's)
    const building = db.query(prepared('SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))', [this.buildKey]));
    const locked = db.query(prepared('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [LOCK_PREFIX + id]));
    const positions = accountPositions(db, [id]);
    const ready = Promise.all([building, locked, positions]).then(([, , p]) => this.memory.bringUp(db, id, p.get(id)));
    let folded: { transaction: FoldedTransaction; position: bigint; done: () => void; settle: () => void } | undefined;
    let ended = false;
    const end = () => {
      if (ended) return false;
      ended = true;
      folded?.settle();
      release();
      return true;
    };
    return {
      ready,
      apply: (events) => {
        if (events.length === 0) return Promise.resolve();
        const transaction = folder.fold(events);
        const model = this.memory.model(id);
        const changed = transaction.changes.accounts.get(id);
        if (!model || !changed) return Promise.resolve();
        const position = events[events.length - 1]!.position.commit;
        const at = this.memory.folded(id, model, position, changed.events);
        const { writes, done } = accountWrites(model, changed, this.memory.counting);
        folded = { transaction, position, done, settle: this.memory.writing(id) };
        return writeAccounts(db, [{ writes, at }]);
      },
      committed: () => {
        if (ended) return;
        if (folded) {
          folded.done();
          // published while the account is still held: the views read it at once
          folded.transaction.committed();
          this.accounts.release([id]);
        }
        end();
      },
      rolledBack: () => {
        // what the fold did in memory is void: the account is read again from its rows
        if (folded) this.memory.forget(id, folded.position);
        end();
      },
    };
  }
}
