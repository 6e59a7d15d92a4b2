import type Database from 'better-sqlite3';
import { ROWS_VERSION } from '../../projections/session-list/rows.js';

/** Bump when the tables' layout changes: tables of another format are emptied and built again from the log. */
const TABLE_LAYOUT = 1;
/** The layout and the rows' version (rows.ts), as rm_state keeps them. */
export const READ_MODEL_FORMAT = TABLE_LAYOUT * 1000 + ROWS_VERSION;

/**
 * The session-list read models as tables in the ledger's own file (projections/session-list/rows.ts
 * says what each row holds). A view's `update_time` is set while it is visible: the partial index on
 * (account, device, update_time, session_id) is a device's list in order, paged without a sort;
 * `rm_types` is the per-type index of S6.3. `rm_state` holds the position the tables reflect,
 * written in the same transaction as the rows.
 */
export const READ_MODEL_SCHEMA = `
CREATE TABLE IF NOT EXISTS rm_state (
  name TEXT PRIMARY KEY,
  commit_position INTEGER NOT NULL,
  prepare_position INTEGER NOT NULL,
  format INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_accounts (
  account TEXT PRIMARY KEY,
  max_update_time REAL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_sessions (
  account TEXT NOT NULL,
  session_id TEXT NOT NULL,
  facts TEXT NOT NULL,
  PRIMARY KEY (account, session_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_devices (
  account TEXT NOT NULL,
  device TEXT NOT NULL,
  facts TEXT NOT NULL,
  PRIMARY KEY (account, device)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_views (
  account TEXT NOT NULL,
  device TEXT NOT NULL,
  session_id TEXT NOT NULL,
  update_time REAL,
  unread INTEGER NOT NULL,
  facts TEXT NOT NULL,
  PRIMARY KEY (account, device, session_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rm_views_list ON rm_views (account, device, update_time, session_id) WHERE update_time IS NOT NULL;
CREATE TABLE IF NOT EXISTS rm_counting (
  account TEXT NOT NULL,
  session_id TEXT NOT NULL,
  time REAL NOT NULL,
  seq INTEGER NOT NULL,
  key TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (account, session_id, time, seq, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_types (
  account TEXT NOT NULL,
  session_id TEXT NOT NULL,
  type TEXT NOT NULL,
  time REAL NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (account, session_id, type)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rm_types_order ON rm_types (account, type, time, session_id);
`;

const TABLES = ['rm_accounts', 'rm_sessions', 'rm_devices', 'rm_views', 'rm_counting', 'rm_types', 'rm_state'];

export function createReadModelTables(db: Database.Database): void {
  db.exec(READ_MODEL_SCHEMA);
}

/** Empties every read-model table (a rebuild, or tables of another format). */
export function emptyReadModelTables(db: Database.Database): void {
  for (const table of TABLES) db.exec(`DELETE FROM ${table}`);
}
