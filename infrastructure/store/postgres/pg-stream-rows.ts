import type pg from 'pg';
import { START, type AppendResult } from '../../../application/ports/event-store.js';
import { NEW_STREAM, type StreamState } from '../shared/append-rules.js';
import { positionAt } from '../shared/records.js';
import { prepared } from './pg-log.js';

/** The statements an append or a delete runs against a stream's row and events. */

interface StreamRow {
  readonly last_revision: string;
  readonly visible_from: string;
  readonly tombstoned: boolean;
}

/** Locks the stream's row for the rest of the transaction (creating it if new) and returns its state. */
export async function lockStream(db: pg.PoolClient, stream: string): Promise<StreamState> {
  const { rows } = await db.query<StreamRow>(prepared(
    `INSERT INTO streams (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name
     RETURNING last_revision::text, visible_from::text, tombstoned`,
    [stream],
  ));
  return toState(rows[0]!);
}

export async function streamState(db: pg.Pool, stream: string): Promise<StreamState> {
  const { rows } = await db.query<StreamRow>(prepared('SELECT last_revision::text, visible_from::text, tombstoned FROM streams WHERE name = $1', [stream]));
  return rows[0] ? toState(rows[0]) : NEW_STREAM;
}

function toState(row: StreamRow): StreamState {
  return { lastRevision: BigInt(row.last_revision), visibleFrom: BigInt(row.visible_from), tombstoned: row.tombstoned };
}

export async function revisionsOf(db: pg.PoolClient, stream: string, ids: readonly string[]): Promise<Map<string, bigint>> {
  const { rows } = await db.query<{ id: string; revision: string }>(prepared('SELECT id, revision::text AS revision FROM events WHERE stream = $1 AND id = ANY($2::text[])', [stream, ids]));
  return new Map(rows.map((row) => [row.id, BigInt(row.revision)]));
}

export async function resultAt(db: pg.PoolClient, stream: string, revision: bigint): Promise<AppendResult> {
  if (revision < 0n) return { nextExpectedRevision: revision, position: START };
  const { rows } = await db.query<{ position: string }>(prepared('SELECT global_position::text AS position FROM events WHERE stream = $1 AND revision = $2', [stream, revision.toString()]));
  return { nextExpectedRevision: revision, position: rows[0] ? positionAt(BigInt(rows[0].position)) : START };
}
