import type pg from 'pg';
import type { AppendResult, ExpectedRevision, RecordedEvent } from '../../../application/ports/event-store.js';
import { decideAppend } from '../shared/append-rules.js';
import { positionAt, toRecordedEvent } from '../shared/records.js';
import { prepared } from './pg-log.js';
import type { PositionSql } from './pg-schema.js';
import { lockStream, resultAt, revisionsOf } from './pg-stream-rows.js';
import { commitAfter } from './pg-transaction.js';

/** An event encoded for the events table. */
export interface EncodedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

/**
 * What read-model tables in the same database do in each append's transaction, so that their rows
 * commit with its events (infrastructure/readmodels/pg-read-models.ts).
 */
export interface PgWriteHook {
  /**
   * Called first in the transaction, before it writes (it has no transaction id yet, so a lock
   * taken here orders the ids of the transactions that take it); undefined when the stream is none
   * of the hook's business. The statements it sends go out ahead of the append's.
   */
  begin(db: pg.PoolClient, stream: string): PgHookedWrite | undefined;
}

export interface PgHookedWrite {
  /** settles once the hook's first statements did */
  readonly ready: Promise<unknown>;
  /** after the append's rows, before COMMIT: the statements that commit with them (none for a repeat) */
  appended(events: readonly RecordedEvent[]): Promise<unknown>;
  committed(): void;
  rolledBack(): void;
}

/**
 * An append's transaction: locks the stream's row, decides, inserts; with a hook, its statements
 * run first and last, and it hears how the transaction ended. Ends with COMMIT.
 */
export async function appendInTransaction(
  db: pg.PoolClient, positions: PositionSql, stream: string, encoded: readonly EncodedEvent[], expected: ExpectedRevision, hook: PgWriteHook | undefined,
): Promise<AppendResult> {
  const hooked = hook?.begin(db, stream);
  try {
    const result = await append(db, positions, stream, encoded, expected, hooked);
    hooked?.committed();
    return result;
  } catch (error) {
    hooked?.rolledBack();
    throw error;
  }
}

async function append(
  db: pg.PoolClient, positions: PositionSql, stream: string, encoded: readonly EncodedEvent[], expected: ExpectedRevision, hooked: PgHookedWrite | undefined,
): Promise<AppendResult> {
  const ids = encoded.map((event) => event.id);
  // pipelined: the lookup runs once the lock is held, so it sees every write before ours
  const [state, written] = await Promise.all([lockStream(db, stream), ids.length === 0 ? new Map<string, bigint>() : revisionsOf(db, stream, ids), hooked?.ready]);
  const decision = decideAppend(stream, ids, expected, state, (id) => written.get(id));
  if (decision.kind === 'unchanged') return commitAfter(db, resultAt(db, stream, decision.lastRevision));
  const insert = db.query<{ position: string }>(prepared(
    `WITH written AS (
       INSERT INTO events (global_position, stream, revision, id, type, data, metadata)
       SELECT ${positions.transactionBase} + e.ord - 1, $1, $2::bigint + e.ord - 1, e.id, e.type, e.data, e.metadata
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS e(id, type, data, metadata, ord)
       RETURNING global_position
     ), bumped AS (
       UPDATE streams SET last_revision = $2::bigint + cardinality($3::text[]) - 1 WHERE name = $1
     )
     SELECT max(global_position)::text AS position FROM written`,
    [stream, decision.firstRevision.toString(), ids, encoded.map((e) => e.type), encoded.map((e) => e.data), encoded.map((e) => e.metadata)],
  ));
  const last = decision.firstRevision + BigInt(ids.length) - 1n;
  if (!hooked) {
    const { rows } = await commitAfter(db, insert);
    return { nextExpectedRevision: last, position: positionAt(BigInt(rows[0]!.position)) };
  }
  const lastPosition = BigInt((await insert).rows[0]!.position);
  const first = lastPosition - BigInt(encoded.length) + 1n;
  const events = encoded.map((event, i) => toRecordedEvent({
    position: first + BigInt(i), streamName: stream, revision: decision.firstRevision + BigInt(i), ...event,
  }));
  await commitAfter(db, hooked.appended(events));
  return { nextExpectedRevision: last, position: positionAt(lastPosition) };
}
