import type pg from 'pg';
import { PG_READ_MODEL_TABLES, PG_READ_MODEL_TABLE_NAMES } from '../../readmodels/pg-read-model-schema.js';

/**
 * The PostgreSQL event store's tables, in the connection's schema (its search_path).
 *
 * `global_position` is the one global order: the writing transaction's id (xid8), counted from the
 * log's origin (the id of the transaction that created the tables, kept in `log_origin`), shifted
 * left by POSITION_SHIFT bits, plus the event's index in that transaction. Every event of one
 * transaction sits together, and transactions are ordered by their ids. A reader takes only
 * positions below the horizon: the oldest transaction id still running (`pg_snapshot_xmin`)
 * mapped the same way. Every id below it belongs to a transaction that has ended, so nothing can
 * appear there later: an event whose transaction commits late is read after it commits, never
 * skipped (Emmett's PostgreSQL store reads below the same xmin with a separate xid8 column;
 * folding the id into the position lets the primary key alone serve the range, and keeps the
 * position one number, as the port's other adapters have it). Counting from the origin keeps
 * positions small on a server that has run many transactions before: they stay below 2^53 (exact
 * as JavaScript numbers) for 2^33 transactions on the server after the tables were made.
 *
 * `visible_from` is the revision before which a soft delete hid the stream's events
 * (EventStoreDB's truncate-before); the events themselves stay in the log.
 */
const POSITION_SHIFT = 20;
/** the most events one transaction can write: the index must fit below the shifted id */
export const MAX_EVENTS_PER_TRANSACTION = 2 ** POSITION_SHIFT;

/** stream names by code point, so "starts with" is an index range (readStreamsWithPrefix) */
const NAME_INDEX = 'CREATE INDEX IF NOT EXISTS streams_name_c ON streams (name COLLATE "C");';

const TABLES = `
CREATE TABLE IF NOT EXISTS events (
  global_position bigint PRIMARY KEY,
  stream text NOT NULL,
  revision bigint NOT NULL,
  id text NOT NULL,
  type text NOT NULL,
  data text NOT NULL,
  metadata text NOT NULL,
  UNIQUE (stream, revision),
  UNIQUE (stream, id)
);
CREATE TABLE IF NOT EXISTS streams (
  name text PRIMARY KEY,
  last_revision bigint NOT NULL DEFAULT -1,
  visible_from bigint NOT NULL DEFAULT 0,
  tombstoned boolean NOT NULL DEFAULT false
);
${NAME_INDEX}
CREATE TABLE IF NOT EXISTS log_origin (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  transaction_id bigint NOT NULL
);
INSERT INTO log_origin (transaction_id) VALUES (pg_current_xact_id()::text::bigint) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS checkpoints (
  name text PRIMARY KEY,
  commit_position bigint NOT NULL,
  prepare_position bigint NOT NULL,
  state text NOT NULL
);
${PG_READ_MODEL_TABLES}`;

/** The SQL that maps transaction ids to positions, for a log with this origin. */
export interface PositionSql {
  /** the position of this transaction's first event; its n-th is this plus n */
  readonly transactionBase: string;
  /** everything below this position is final; it comes from the statement's own snapshot */
  readonly horizon: string;
}

export function positionSql(origin: bigint): PositionSql {
  const map = (xid: string) => `((${xid}::text::bigint - ${origin.toString()}) << ${POSITION_SHIFT})`;
  return { transactionBase: map('pg_current_xact_id()'), horizon: map('pg_snapshot_xmin(pg_current_snapshot())') };
}

const TABLE_NAMES = ['events', 'streams', 'log_origin', 'checkpoints', ...PG_READ_MODEL_TABLE_NAMES];

/**
 * Creates the tables if missing and returns the connection's schema and the log's origin; an
 * advisory lock keeps processes that start together from racing. When the tables are all there
 * it only reads, so a role without CREATE on the schema (tables made by a migration) can open it.
 * A database in another encoding than UTF8 is refused.
 */
export async function ensureSchema(client: pg.PoolClient): Promise<{ schema: string; origin: bigint }> {
  const { rows: existing } = await client.query<{ schema: string | null; tables: number; encoding: string; database: string }>(
    `SELECT current_schema() AS schema, count(*)::int AS tables, current_setting('server_encoding') AS encoding, current_database() AS database
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname = ANY($1::text[])`,
    [TABLE_NAMES],
  );
  const { encoding, database } = existing[0]!;
  if (encoding !== 'UTF8') {
    // in another encoding, text outside it (an emoji in a stream name) would fail appends one by one
    throw new Error(`the database ${database} is encoded in ${encoding}; the event store keeps Unicode text and needs a UTF8 database: create one with ENCODING 'UTF8'`);
  }
  if (existing[0]?.schema && existing[0].tables === TABLE_NAMES.length) {
    const { rows } = await client.query<{ origin: string; indexed: boolean }>(
      "SELECT transaction_id::text AS origin, to_regclass('streams_name_c') IS NOT NULL AS indexed FROM log_origin",
    );
    // tables made before the index: add it when allowed; without it prefix reads are right, only slower
    if (rows[0] && !rows[0].indexed) await client.query(NAME_INDEX).catch(() => undefined);
    if (rows[0]) return { schema: existing[0].schema, origin: BigInt(rows[0].origin) };
  }
  await client.query('BEGIN');
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.session-ledger-schema'))");
    await client.query(TABLES);
    const { rows } = await client.query<{ schema: string; origin: string }>('SELECT current_schema() AS schema, transaction_id::text AS origin FROM log_origin');
    await client.query('COMMIT');
    const row = rows[0];
    if (!row?.schema) throw new Error('the connection has no current schema: set a search_path that names an existing schema');
    return { schema: row.schema, origin: BigInt(row.origin) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
