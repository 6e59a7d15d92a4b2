import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { EventFilter, RecordedEvent } from '../../../application/ports/event-store.js';
import type { LogRange } from '../shared/read-ranges.js';
import { decodeStored } from '../shared/decode-guard.js';
import { clampBound } from './pg-input.js';
import type { PositionSql } from './pg-schema.js';

/** a row of `events` as the queries return it; bigints come as text */
export interface EventRow {
  readonly position: string;
  readonly stream: string;
  readonly revision: string;
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

export const EVENT_COLUMNS = 'global_position::text AS position, stream, revision::text AS revision, id, type, data, metadata';

/** A row as a RecordedEvent; one whose JSON no longer parses fails with StoreCorruptError naming it. */
export function fromRow(row: EventRow): RecordedEvent {
  return decodeStored({
    position: BigInt(row.position),
    streamName: row.stream,
    revision: BigInt(row.revision),
    id: row.id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
  }, 'the PostgreSQL store');
}

const names = new Map<string, string>();

/** A named statement: each connection parses and plans it once, then only binds values. */
export function prepared(text: string, values: unknown[] = []): pg.QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    name = `session_ledger_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return { name, text, values };
}

/** null is LIMIT ALL to PostgreSQL */
export function sqlLimit(limit: number): number | null {
  return Number.isFinite(limit) ? limit : null;
}

/**
 * Reads the global log below the horizon, in one statement so that the horizon and the rows come
 * from the same snapshot. Returns the horizon too: every position below it is final.
 */
export async function readLogPage(db: pg.Pool, sql: PositionSql, range: LogRange, filter: EventFilter | undefined): Promise<{ events: RecordedEvent[]; horizon: bigint }> {
  const params: unknown[] = [];
  const where = ['global_position < h.horizon'];
  if (range.bound !== undefined) {
    params.push(clampBound(range.bound).toString());
    where.push(`global_position ${range.forwards ? '>' : '<'} $${params.length}::bigint`);
  }
  for (const [column, prefixes] of [['stream', filter?.streamPrefixes], ['type', filter?.eventTypePrefixes]] as const) {
    if (prefixes === undefined) continue;
    params.push(prefixes);
    // starts_with is case-sensitive and needs no escaping, unlike LIKE
    where.push(`EXISTS (SELECT 1 FROM unnest($${params.length}::text[]) AS p(prefix) WHERE starts_with(${column}, p.prefix))`);
  }
  params.push(sqlLimit(range.limit));
  const { rows } = await db.query<EventRow & { horizon: string }>(prepared(
    `WITH h AS (SELECT ${sql.horizon} AS horizon)
     SELECT h.horizon::text AS horizon, e.* FROM h LEFT JOIN LATERAL (
       SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')}
       ORDER BY global_position ${range.forwards ? 'ASC' : 'DESC'} LIMIT $${params.length}
     ) e ON true`,
    params,
  ));
  const horizon = BigInt(rows[0]!.horizon);
  return { events: rows.filter((row) => row.position !== null).map(fromRow), horizon };
}

/**
 * The events of the streams whose names lie in [$1, $2) by code point (the "C" collation, which
 * the streams_name_c index keys), below the horizon as readAll reads: a range of that index, then
 * each stream's events through (stream, revision), never a scan of the log.
 */
export function prefixReadSql(sql: PositionSql, bounded: boolean): string {
  // the streams table has none of the events' column names, so EVENT_COLUMNS needs no qualifier
  return `SELECT ${EVENT_COLUMNS}
    FROM streams s JOIN events e ON e.stream = s.name
    WHERE s.name COLLATE "C" >= $1${bounded ? ' AND s.name COLLATE "C" < $2' : ''} AND e.global_position < ${sql.horizon}
    ORDER BY e.global_position`;
}

/** position of the last committed event, -1n for an empty log */
export async function logHead(db: pg.Pool): Promise<bigint> {
  const { rows } = await db.query<{ head: string }>(prepared('SELECT coalesce(max(global_position), -1)::text AS head FROM events'));
  return BigInt(rows[0]!.head);
}
