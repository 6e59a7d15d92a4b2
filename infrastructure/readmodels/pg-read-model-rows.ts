import type pg from 'pg';
import type { AccountModel } from '../../projections/session-list/model.js';
import { accountFromRows } from '../../projections/session-list/rows.js';
import { prepared } from '../store/postgres/pg-log.js';
import type { AccountWrites } from './account-row-writes.js';

/** The statements of the PostgreSQL read-model tables (pg-read-model-schema.ts). */

type Db = pg.Pool | pg.PoolClient;

/** Where an account's rows are: the position of the last event folded into them, and how many were. */
export interface RowsAt {
  readonly position: bigint;
  readonly events: bigint;
}

/** Where each account's rows are, for those that have rows. */
export async function accountPositions(db: Db, ids: readonly string[]): Promise<Map<string, RowsAt>> {
  const { rows } = await db.query<{ account: string; position: string; events: string }>(prepared(
    'SELECT account, position::text AS position, events::text AS events FROM rm_accounts WHERE account = ANY($1::text[])', [ids],
  ));
  return new Map(rows.map((row) => [row.account, { position: BigInt(row.position), events: BigInt(row.events) }]));
}

/**
 * An account's models and the position they reflect, read in one statement (so from one snapshot);
 * undefined when it has no rows. A device's visible views come in list order, so its index is
 * built by appends.
 */
export async function loadAccount(db: Db, id: string): Promise<{ model: AccountModel; at: RowsAt } | undefined> {
  const { rows } = await db.query<LoadedRow>(prepared(
    `SELECT a.position::text AS position, a.events::text AS events, a.max_update_time AS "maxUpdateTime",
       (SELECT coalesce(json_agg(json_build_array(session_id, facts)), '[]') FROM rm_sessions WHERE account = $1) AS sessions,
       (SELECT coalesce(json_agg(json_build_array(device, facts)), '[]') FROM rm_devices WHERE account = $1) AS devices,
       (SELECT coalesce(json_agg(json_build_array(device, session_id, update_time, facts) ORDER BY device, update_time, session_id), '[]') FROM rm_views WHERE account = $1) AS views,
       (SELECT coalesce(json_agg(json_build_array(session_id, record) ORDER BY session_id, time, seq, key), '[]') FROM rm_counting WHERE account = $1) AS counting,
       (SELECT coalesce(json_agg(json_build_array(session_id, type, message) ORDER BY type, time, session_id), '[]') FROM rm_types WHERE account = $1) AS types
     FROM rm_accounts a WHERE a.account = $1`,
    [id],
  ));
  const row = rows[0];
  if (!row) return undefined;
  const model = accountFromRows({
    account: { id, maxUpdateTime: row.maxUpdateTime },
    sessions: row.sessions.map(([sessionId, facts]) => ({ sessionId, facts: JSON.parse(facts) })),
    devices: row.devices.map(([device, facts]) => ({ device, facts: JSON.parse(facts) })),
    views: row.views.map(([device, sessionId, updateTime, facts]) => ({ device, sessionId, updateTime, unread: 0, facts: JSON.parse(facts) })),
    counting: row.counting.map(([sessionId, record]) => ({ sessionId, record: JSON.parse(record) })),
    types: row.types.map(([sessionId, type, message]) => ({ sessionId, type, message: JSON.parse(message) })),
  });
  return { model, at: { position: BigInt(row.position), events: BigInt(row.events) } };
}

interface LoadedRow {
  readonly position: string;
  readonly events: string;
  readonly maxUpdateTime: number | null;
  readonly sessions: [string, string][];
  readonly devices: [string, string][];
  readonly views: [string, string, number | null, string][];
  readonly counting: [string, string][];
  readonly types: [string, string, string][];
}

/** An account's changed rows and the position they reflect. */
export interface PositionedWrites {
  readonly writes: AccountWrites;
  readonly at: RowsAt;
}

const json = (value: unknown): string => JSON.stringify(value);

/**
 * Upserts the rows of every account in `batch`, one statement per table (sent at once on the
 * transaction's connection). The caller sends COMMIT after them.
 */
export function writeAccounts(db: pg.PoolClient, batch: readonly PositionedWrites[]): Promise<unknown> {
  const col = <T>(pick: (w: AccountWrites) => readonly T[]) => batch.flatMap(({ writes }) => pick(writes).map((row) => ({ account: writes.account.id, row })));
  const sessions = col((w) => w.sessions);
  const types = col((w) => w.types);
  const devices = col((w) => w.devices);
  const views = col((w) => w.views);
  const drops = col((w) => w.dropCounting);
  const counting = col((w) => w.counting);
  const statements: Promise<unknown>[] = [
    db.query(prepared(
      `INSERT INTO rm_accounts (account, max_update_time, position, events) SELECT * FROM unnest($1::text[], $2::float8[], $3::bigint[], $4::bigint[])
       ON CONFLICT (account) DO UPDATE SET max_update_time = excluded.max_update_time, position = excluded.position, events = excluded.events`,
      [batch.map((b) => b.writes.account.id), batch.map((b) => b.writes.account.maxUpdateTime), batch.map((b) => b.at.position.toString()), batch.map((b) => b.at.events.toString())],
    )),
  ];
  if (sessions.length > 0) statements.push(db.query(prepared(
    `INSERT INTO rm_sessions (account, session_id, facts) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT (account, session_id) DO UPDATE SET facts = excluded.facts`,
    [sessions.map((s) => s.account), sessions.map((s) => s.row.sessionId), sessions.map((s) => json(s.row.facts))],
  )));
  if (types.length > 0) statements.push(db.query(prepared(
    `INSERT INTO rm_types (account, session_id, type, time, message) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[])
     ON CONFLICT (account, session_id, type) DO UPDATE SET time = excluded.time, message = excluded.message`,
    [types.map((t) => t.account), types.map((t) => t.row.sessionId), types.map((t) => t.row.type), types.map((t) => t.row.message.time), types.map((t) => json(t.row.message))],
  )));
  if (devices.length > 0) statements.push(db.query(prepared(
    `INSERT INTO rm_devices (account, device, facts) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT (account, device) DO UPDATE SET facts = excluded.facts`,
    [devices.map((d) => d.account), devices.map((d) => d.row.device), devices.map((d) => json(d.row.facts))],
  )));
  if (views.length > 0) statements.push(db.query(prepared(
    `INSERT INTO rm_views (account, device, session_id, update_time, unread, facts) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::int[], $6::text[])
     ON CONFLICT (account, device, session_id) DO UPDATE SET update_time = excluded.update_time, unread = excluded.unread, facts = excluded.facts`,
    [views.map((v) => v.account), views.map((v) => v.row.device), views.map((v) => v.row.sessionId), views.map((v) => v.row.updateTime), views.map((v) => v.row.unread), views.map((v) => json(v.row.facts))],
  )));
  if (drops.length > 0) statements.push(db.query(prepared(
    'DELETE FROM rm_counting c USING unnest($1::text[], $2::text[]) AS d(account, session_id) WHERE c.account = d.account AND c.session_id = d.session_id',
    [drops.map((d) => d.account), drops.map((d) => d.row)],
  )));
  if (counting.length > 0) statements.push(db.query(prepared(
    `INSERT INTO rm_counting (account, session_id, time, seq, key, record) SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::bigint[], $5::text[], $6::text[])
     ON CONFLICT DO NOTHING`,
    [counting.map((c) => c.account), counting.map((c) => c.row.sessionId), counting.map((c) => c.row.record.time), counting.map((c) => c.row.record.seq), counting.map((c) => c.row.record.key), counting.map((c) => json(c.row.record))],
  )));
  return Promise.all(statements);
}

/** Marks the tables built, in `format`. */
export function writeState(db: pg.PoolClient, name: string, format: number): Promise<unknown> {
  return db.query(prepared('INSERT INTO rm_state (name, format) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET format = excluded.format', [name, format]));
}

export async function readState(db: Db, name: string): Promise<number | undefined> {
  const { rows } = await db.query<{ format: number }>(prepared('SELECT format FROM rm_state WHERE name = $1', [name]));
  return rows[0]?.format;
}

/** Empties every read-model table (a rebuild, or tables of another format). */
export function emptyTables(db: pg.PoolClient): Promise<unknown> {
  return db.query('TRUNCATE rm_state, rm_accounts, rm_sessions, rm_devices, rm_views, rm_counting, rm_types');
}
