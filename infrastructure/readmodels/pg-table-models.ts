import type pg from 'pg';
import { InMemoryAccounts, type ChangedRows, type ConcurrentFolder, type ReadModelStore, type StoredPosition } from '../../projections/session-list/read-model-store.js';
import { applyRecorded } from '../../application/read/event-log.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
import { newAccountModel } from '../../projections/session-list/model.js';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import { commitAfter } from '../store/postgres/pg-transaction.js';
import type { AccountCache } from './account-cache.js';
import { PgAccountMemory } from './pg-account-memory.js';
import { accountWrites } from './account-row-writes.js';
import { PG_READ_MODEL_FORMAT } from './pg-read-model-schema.js';
import { accountPositions, emptyTables, writeAccounts, writeState, type PositionedWrites } from './pg-read-model-rows.js';
import { DEFAULT_CACHE_ROWS } from './sqlite-read-models.js';

export const READ_MODEL_NAME = 'session-list';

/** The database that holds the read-model tables: the event store's own, or one of their own. */
export interface PgTables {
  /** A write transaction (`work` ends with commitAfter); repeating it is safe. */
  writeTables<T>(operation: string, work: (db: pg.PoolClient) => Promise<T>): Promise<T>;
  /** A read of the tables. */
  readTables<T>(operation: string, work: (db: pg.Pool) => Promise<T>): Promise<T>;
}

export interface PgReadModelOptions {
  /** rows of accounts a process keeps in memory (default 200,000) */
  readonly cacheRows?: number;
}

/**
 * What every adapter of the PostgreSQL read-model tables shares: a bounded cache of accounts, each
 * loaded again when its rows moved on (`use`), and a batch's rows saved in one transaction.
 * Subclasses say how the tables open and who writes them (each write transaction of the event
 * store's database, or a projector).
 */
export abstract class PgTableModels implements ReadModelStore<RecordedEvent> {
  readonly durable = true;
  readonly accounts: AccountCache;
  protected readonly memory: PgAccountMemory;
  /** the tables are being built (open found none, or a rebuild emptied them) */
  protected building = false;

  constructor(protected readonly tables: PgTables, options: PgReadModelOptions = {}) {
    this.memory = new PgAccountMemory(tables, options.cacheRows ?? DEFAULT_CACHE_ROWS);
    this.accounts = this.memory.accounts;
  }

  abstract open(): Promise<StoredPosition | null>;

  begin(): void {}

  save(): void {
    throw new Error('the PostgreSQL read models are saved with saveAsync');
  }

  async saveAsync(changes: ChangedRows, position: StoredPosition): Promise<void> {
    await this.saveRows(changes, position);
  }

  /**
   * Saves the rows `changes` names in one transaction; `first` goes out before them in it (a
   * projector's checkpoint, which fails the transaction when another one moved it).
   */
  protected async saveRows(changes: ChangedRows, position: StoredPosition, first?: (db: pg.PoolClient) => Promise<unknown>): Promise<void> {
    const batch: PositionedWrites[] = [];
    const done: (() => void)[] = [];
    for (const id of changes.accounts.keys()) {
      const model = this.memory.model(id);
      if (!model) continue;
      const changed = changes.accounts.get(id)!;
      const written = accountWrites(model, changed, this.memory.counting);
      batch.push({ writes: written.writes, at: this.memory.folded(id, model, position.commit, changed.events) });
      done.push(written.done);
    }
    await this.tables.writeTables('saving the read models', async (db) => {
      if (first) await first(db);
      return commitAfter(db, writeAccounts(db, batch));
    });
    for (const d of done) d();
    this.accounts.release(changes.accounts.keys());
  }

  /** The build folded the whole log: the tables are ready for every process. */
  async built(): Promise<void> {
    if (!this.building) return;
    await this.tables.writeTables('marking the read-model tables built', (db) => commitAfter(db, writeState(db, READ_MODEL_NAME, PG_READ_MODEL_FORMAT)));
    this.building = false;
  }

  clear(): void {
    throw new Error('the PostgreSQL read models are emptied with clearAsync');
  }

  async clearAsync(): Promise<void> {
    await this.tables.writeTables('emptying the read-model tables', (db) => commitAfter(db, Promise.all([emptyTables(db), this.onClear(db)])));
    this.memory.clear();
    this.building = true;
  }

  async close(): Promise<void> {}

  /** what else a rebuild's emptying of the tables writes, in its transaction */
  protected onClear(_db: pg.PoolClient): Promise<unknown> | undefined {
    return undefined;
  }

  async use(ids: readonly string[]): Promise<() => void> {
    const unique = [...new Set(ids)];
    const release = this.memory.hold(unique);
    try {
      const positions = await this.tables.readTables('reading the read models', (db) => accountPositions(db, unique));
      await Promise.all(unique.map((id) => this.memory.bringUp(undefined, id, positions.get(id))));
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /**
   * Reloads of accounts the views hold tell them of the events they bring (`read`: an account's
   * events after a position up to another, in log order; `history`: all of them, through the
   * store's index of stream names), folded by `folder`.
   */
  protected tellViewsOf(
    read: (db: pg.Pool | pg.PoolClient | undefined, id: string, after: bigint, upTo: bigint) => Promise<readonly RecordedEvent[]>,
    history: (db: pg.Pool | pg.PoolClient | undefined, id: string) => Promise<readonly RecordedEvent[]>,
    folder: ConcurrentFolder<RecordedEvent>,
  ): void {
    this.memory.reloads = {
      read,
      // `at` is a position the log was followed to: every event up to it is final
      replay: async (db, id, at) => {
        const accounts = new InMemoryAccounts();
        const projection = new SessionListProjection(accounts);
        const events = (await history(db, id)).filter((e) => e.position.commit <= at.position);
        for (const event of events) applyRecorded(projection, event);
        return { model: accounts.get(id) ?? newAccountModel(id), at: { position: at.position, events: BigInt(events.length) } };
      },
      fold: (events) => {
        const views = folder.fold(events);
        return () => views.committed();
      },
    };
  }

  /** Holds the account in memory (a device view reads it without loading it) until the returned release. */
  keep(id: string, since?: StoredPosition): () => void {
    return this.memory.view(id, since?.commit ?? -1n);
  }
}
