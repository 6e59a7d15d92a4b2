import type Database from 'better-sqlite3';
import { ROWS_VERSION } from '../../projections/session-list/rows.js';

/** Bump when the tables' layout changes: tables of another format are emptied and built again from the log. */
const TABLE_LAYOUT = 2;
/** The layout and the rows' version (rows.ts), as rm_state keeps them. */
export const READ_MODEL_FORMAT = TABLE_LAYOUT * 1000 + ROWS_VERSION;

/** What a row of rm_rows holds (its `kind`); an account's own rows have the session '' and sort first. */
export const ROW = { account: 0, device: 1, session: 2, view: 3, type: 4, counting: 5 } as const;

/**
 * The session-list read models as one table in the ledger's own file (projections/session-list/rows.ts
 * says what each row holds), keyed so that an account's rows lie together and, within it, every row
 * about one session (the session, its view on each device, its per-type and counting rows) lies
 * together: a commit about one session touches one or two leaf pages of this b-tree and the account's
 * first page (devices and the account row), where a table per kind of row, and their two secondary
 * indexes, touched about nine (measured: bench/RESULTS.md, 2026-12-01 speed2). `key` is the device
 * of a device or view row, the type of a per-type row, the message key of a counting row; `seq` the
 * counting record's position (0 otherwise); `body` the row's facts as JSON. An account
 * is read whole into the cache, in key order, and its lists are ordered in memory once per load;
 * queries never sort. `rm_state` holds the position the rows reflect, written in the same
 * transaction as they are.
 */
export const READ_MODEL_SCHEMA = `
CREATE TABLE IF NOT EXISTS rm_state (
  name TEXT PRIMARY KEY,
  commit_position INTEGER NOT NULL,
  prepare_position INTEGER NOT NULL,
  format INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_rows (
  account TEXT NOT NULL,
  session TEXT NOT NULL,
  kind INTEGER NOT NULL,
  key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (account, session, kind, key, seq)
) WITHOUT ROWID;
`;

const TABLES = ['rm_rows', 'rm_state'];
/** the first layout's tables (a table per kind of row), dropped when a file is opened with this one */
const OLD_TABLES = ['rm_accounts', 'rm_sessions', 'rm_devices', 'rm_views', 'rm_counting', 'rm_types'];

export function createReadModelTables(db: Database.Database): void {
  db.exec(READ_MODEL_SCHEMA);
}

/** Empties every read-model table (a rebuild, or tables of another format) and drops those of the first layout. */
export function emptyReadModelTables(db: Database.Database): void {
  for (const table of OLD_TABLES) db.exec(`DROP TABLE IF EXISTS ${table}`);
  for (const table of TABLES) db.exec(`DELETE FROM ${table}`);
}
