import pg from 'pg';
import type { LeaseElector } from '../../application/ports/lease.js';
import { describeEndpoint, translatePgError } from '../store/postgres/pg-errors.js';
import { PgKeyLocks } from '../store/postgres/pg-key-locks.js';
import { PgLeaseElector } from '../store/postgres/pg-lease.js';
import { CommitNotifier, channelOf } from '../store/postgres/pg-notifier.js';
import { LostWrite, inTransaction } from '../store/postgres/pg-transaction.js';
import { PG_READ_MODEL_TABLES } from './pg-read-model-schema.js';
import type { PgTables } from './pg-table-models.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/** The projector's checkpoint: the log position (both parts) its tables reflect, written with each batch's rows. */
const PROJECTOR_TABLE = `
CREATE TABLE IF NOT EXISTS rm_projector (
  name text PRIMARY KEY,
  commit_position bigint NOT NULL,
  prepare_position bigint NOT NULL
);`;

/** every table and index the DDL above creates */
const RELATIONS = [...(PG_READ_MODEL_TABLES + PROJECTOR_TABLE).matchAll(/CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)/g)].map((m) => m[1]!);

export interface PgReadModelDbOptions {
  /** connections in the pool (default 4: one projector's batches, and the loads of commands and queries) */
  readonly poolSize?: number;
  /** how long a connection attempt or one statement may take (default 30 s) */
  readonly timeoutMs?: number;
}

/**
 * A PostgreSQL database (its connection's schema) that holds only read models, for an event store
 * elsewhere (EventStoreDB): a pool of its own, the tables created if missing (and the schema the
 * search_path names), leases and key locks scoped to the schema (what the ledgers sharing the
 * tables need to elect their peer delivery and take turns deciding), and wake-ups by LISTEN/NOTIFY on a channel of
 * the schema's, sent after a commit, never from inside the write transaction.
 */
export class PgReadModelDb implements PgTables {
  readonly leases: LeaseElector;
  readonly locks: PgKeyLocks;
  private readonly listeners = new Set<() => void>();
  private readonly notifier: CommitNotifier;
  private readonly endpoint: string;
  private closing: Promise<void> | undefined;

  static async connect(url: string, options: PgReadModelDbOptions = {}): Promise<PgReadModelDb> {
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 4, pipeline: true, connectionTimeoutMillis: timeout, query_timeout: timeout, keepAlive: true } as pg.PoolConfig);
    // an idle client that loses its connection must not crash the process; the next query reports it
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    try {
      const schema = await ensureTables(pool);
      const db = new PgReadModelDb(pool, url, schema, timeout);
      await db.notifier.listen().catch(async (error: unknown) => {
        await db.notifier.close();
        throw error;
      });
      return db;
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw translatePgError(error, { endpoint: describeEndpoint(url), operation: 'opening the read-model database' });
    }
  }

  private constructor(private readonly pool: pg.Pool, url: string, readonly schema: string, timeoutMs: number) {
    this.endpoint = describeEndpoint(url);
    this.leases = new PgLeaseElector(url, schema, timeoutMs);
    this.locks = new PgKeyLocks(url, schema, this.endpoint, timeoutMs);
    this.notifier = new CommitNotifier(url, channelOf(`${schema}:read-models`), () => {
      for (const listener of this.listeners) listener();
    }, timeoutMs);
  }

  writeTables<T>(operation: string, work: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work, () => undefined).catch((error: unknown) => {
      const cause = error instanceof LostWrite ? error.error : error;
      const outcome = error instanceof LostWrite && error.committing ? { kind: 'unknown' as const, retry: 'the projector saves the batch again' } : { kind: 'none' as const };
      throw translatePgError(cause, { endpoint: this.endpoint, operation, outcome });
    });
  }

  readTables<T>(operation: string, work: (db: pg.Pool) => Promise<T>): Promise<T> {
    return work(this.pool).catch((error: unknown) => {
      throw translatePgError(error, { endpoint: this.endpoint, operation });
    });
  }

  /** Tells the other processes that the tables moved (best effort: they poll too). */
  committed(): void {
    this.notifier.committed();
  }

  /** Calls `moved` when another process says the tables moved; returns the stop. */
  watch(moved: () => void): () => void {
    this.listeners.add(moved);
    return () => this.listeners.delete(moved);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.listeners.clear();
      await this.notifier.close();
      await Promise.all([this.pool.end(), this.locks.close()]);
    })();
    return this.closing;
  }
}

/**
 * Creates the schema the search_path names (if missing) and the tables, under a lock so that
 * processes starting together do not race; returns the schema.
 */
async function ensureTables(pool: pg.Pool): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ schema: string | null; path: string }>("SELECT current_schema() AS schema, current_setting('search_path') AS path");
    let schema = rows[0]?.schema ?? null;
    if (!schema) {
      const first = rows[0]!.path.split(',')[0]!.trim().replace(/^"(.*)"$/, '$1');
      if (!first || first === '$user') throw new Error('the read-model database connection has no schema: set a search_path that names one');
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(first)}`);
      schema = first;
    }
    // the DDL locks each table even when it exists: skipped then, or it deadlocks with a running projector's batch
    const { rows: missing } = await client.query('SELECT 1 FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NULL', [RELATIONS]);
    if (missing.length > 0) {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${schema}.session-ledger-read-models`]);
      await client.query(PG_READ_MODEL_TABLES + PROJECTOR_TABLE);
    }
    await client.query('COMMIT');
    return schema;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
