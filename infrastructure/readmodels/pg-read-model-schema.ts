import { ROWS_VERSION } from '../../projections/session-list/rows.js';

/** Bump when the tables' layout changes: tables of another format are emptied and built again from the log. */
const TABLE_LAYOUT = 1;
/** The layout and the rows' version (rows.ts), as rm_state keeps them. */
export const PG_READ_MODEL_FORMAT = TABLE_LAYOUT * 1000 + ROWS_VERSION;

/**
 * The session-list read models as PostgreSQL tables beside the events (the pg schema code creates
 * them with the store's tables). The rows are sqlite's (projections/session-list/rows.ts): facts as
 * JSON text, a view's `update_time` set while it is visible, so the partial index is a device's
 * list in order. There is no single position, since many processes write at once: each account row
 * keeps the position of the last event folded into it and how many were, written in that event's transaction under
 * the account's advisory lock; `rm_state` only says that the tables were built, and in which format.
 */
export const PG_READ_MODEL_TABLES = `
CREATE TABLE IF NOT EXISTS rm_state (
  name text PRIMARY KEY,
  format integer NOT NULL
);
CREATE TABLE IF NOT EXISTS rm_accounts (
  account text PRIMARY KEY,
  max_update_time double precision,
  position bigint NOT NULL,
  events bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS rm_sessions (
  account text NOT NULL,
  session_id text NOT NULL,
  facts text NOT NULL,
  PRIMARY KEY (account, session_id)
);
CREATE TABLE IF NOT EXISTS rm_devices (
  account text NOT NULL,
  device text NOT NULL,
  facts text NOT NULL,
  PRIMARY KEY (account, device)
);
CREATE TABLE IF NOT EXISTS rm_views (
  account text NOT NULL,
  device text NOT NULL,
  session_id text NOT NULL,
  update_time double precision,
  unread integer NOT NULL,
  facts text NOT NULL,
  PRIMARY KEY (account, device, session_id)
);
CREATE INDEX IF NOT EXISTS rm_views_list ON rm_views (account, device, update_time, session_id) WHERE update_time IS NOT NULL;
CREATE TABLE IF NOT EXISTS rm_counting (
  account text NOT NULL,
  session_id text NOT NULL,
  time double precision NOT NULL,
  seq bigint NOT NULL,
  key text NOT NULL,
  record text NOT NULL,
  PRIMARY KEY (account, session_id, time, seq, key)
);
CREATE TABLE IF NOT EXISTS rm_types (
  account text NOT NULL,
  session_id text NOT NULL,
  type text NOT NULL,
  time double precision NOT NULL,
  message text NOT NULL,
  PRIMARY KEY (account, session_id, type)
);
CREATE INDEX IF NOT EXISTS rm_types_order ON rm_types (account, type, time, session_id);
`;

export const PG_READ_MODEL_TABLE_NAMES = ['rm_state', 'rm_accounts', 'rm_sessions', 'rm_devices', 'rm_views', 'rm_counting', 'rm_types'];
