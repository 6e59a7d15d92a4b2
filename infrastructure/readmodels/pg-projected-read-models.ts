import type pg from 'pg';
import type { ChangedRows, ConcurrentFolder, StoredPosition } from '../../projections/session-list/read-model-store.js';
import { START, type Position, type RecordedEvent } from '../../application/ports/event-store.js';
import type { Lease } from '../../application/ports/lease.js';
import type { AccountEvents, ProjectorTables } from '../../application/read/projector.js';
import { prepared } from '../store/postgres/pg-log.js';
import { commitAfter } from '../store/postgres/pg-transaction.js';
import { PG_READ_MODEL_FORMAT } from './pg-read-model-schema.js';
import { emptyTables, readState, writeState } from './pg-read-model-rows.js';
import type { PgReadModelDb } from './pg-read-model-db.js';
import { PgTableModels, READ_MODEL_NAME, type PgReadModelOptions } from './pg-table-models.js';

const LEASE = 'read-model-projector';

/** A batch the projector saved from a checkpoint another projector had moved on: nothing of it was written. */
export class ProjectorFencedError extends Error {
  override readonly name = 'ProjectorFencedError';
  constructor(expected: Position) {
    super(`the read-model checkpoint is no longer at ${expected.commit}/${expected.prepare}: another projector moved it, so this batch was not saved`);
  }
}

/**
 * The session-list read models in a PostgreSQL database of their own, for an event store that
 * does not write them (EventStoreDB): one projector at a time (the holder of the lease) folds the
 * log and saves each batch's rows with its checkpoint in one transaction, which first moves the
 * checkpoint from where this projector last saw it, so a batch of a projector that lost its lease
 * fails and writes nothing. Every process reads the rows (loading an account again when they moved
 * on) and follows the checkpoint.
 */
export class PgProjectedReadModels extends PgTableModels implements ProjectorTables {
  /** the checkpoint as this process last read or wrote it: the next batch moves it from here */
  private at: Position = START;

  constructor(private readonly db: PgReadModelDb, options: PgReadModelOptions = {}) {
    super(db, options);
  }

  /** The checkpoint (START for new tables). Tables of another format are emptied, to be built again from the log. */
  async open(): Promise<StoredPosition> {
    const format = await this.db.readTables('reading the read-model tables', (pool) => readState(pool, READ_MODEL_NAME));
    if (format !== PG_READ_MODEL_FORMAT) {
      await this.db.writeTables('preparing the read-model tables', async (db) => {
        await db.query(prepared('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`session-ledger-rm:${this.db.schema}:build`]));
        if ((await readState(db, READ_MODEL_NAME)) === PG_READ_MODEL_FORMAT) return commitAfter(db, undefined);
        await emptyTables(db);
        return commitAfter(db, Promise.all([resetCheckpoint(db), writeState(db, READ_MODEL_NAME, PG_READ_MODEL_FORMAT)]));
      });
    }
    return this.resume();
  }

  campaign(): Lease {
    return this.db.leases.campaign(LEASE);
  }

  async checkpoint(): Promise<Position> {
    const { rows } = await this.db.readTables('reading the read-model checkpoint', (pool) => pool.query<{ commit: string; prepare: string }>(prepared(
      'SELECT commit_position::text AS commit, prepare_position::text AS prepare FROM rm_projector WHERE name = $1', [READ_MODEL_NAME],
    )));
    const row = rows[0];
    return row ? { commit: BigInt(row.commit), prepare: BigInt(row.prepare) } : START;
  }

  async resume(): Promise<Position> {
    this.at = await this.checkpoint();
    return this.at;
  }

  watch(moved: () => void): () => void {
    return this.db.watch(moved);
  }

  forget(heard: Position): void {
    this.memory.clear(heard.commit);
  }

  tellViews(read: AccountEvents, history: (account: string) => Promise<readonly RecordedEvent[]>, folder: ConcurrentFolder<RecordedEvent>): void {
    this.tellViewsOf((_db, id, after, upTo) => read(id, after, upTo), (_db, id) => history(id), folder);
  }

  async viewsMoved(): Promise<void> {
    const ids = this.memory.viewedIds;
    if (ids.length > 0) (await this.use(ids))();
  }

  /** The batch's rows and its checkpoint, in one transaction; then the other processes are told. */
  override async saveAsync(changes: ChangedRows, position: StoredPosition): Promise<void> {
    const from = this.at;
    await this.saveRows(changes, position, async (db) => {
      const moved = await db.query(prepared(
        `UPDATE rm_projector SET commit_position = $2, prepare_position = $3
         WHERE name = $1 AND commit_position = $4 AND prepare_position = $5`,
        [READ_MODEL_NAME, position.commit.toString(), position.prepare.toString(), from.commit.toString(), from.prepare.toString()],
      ));
      if (moved.rowCount !== 1) throw new ProjectorFencedError(from);
    });
    this.at = position;
    this.db.committed();
  }

  protected override onClear(db: pg.PoolClient): Promise<unknown> {
    this.at = START;
    return resetCheckpoint(db);
  }

  /** Closes the database's connections. */
  async release(): Promise<void> {
    await this.db.close();
  }
}

function resetCheckpoint(db: pg.PoolClient): Promise<unknown> {
  return db.query(prepared(
    `INSERT INTO rm_projector (name, commit_position, prepare_position) VALUES ($1, -1, -1)
     ON CONFLICT (name) DO UPDATE SET commit_position = -1, prepare_position = -1`,
    [READ_MODEL_NAME],
  ));
}
