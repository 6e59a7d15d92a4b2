import type pg from 'pg';
import { accountPrefix } from '../../domain/identity.js';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import { EVENT_COLUMNS, fromRow, prepared, type EventRow } from '../store/postgres/pg-log.js';
import { upcast } from '../upcasting/upcasters.js';

/**
 * An account's events after `after` up to `upTo`, in log order, upcast. Not bounded by the log's
 * horizon as readAll is: the caller read rows at `upTo`, and the account's writes take turns under
 * its lock, so every event of the account up to there is committed (a range of the primary key).
 */
export async function accountEvents(db: pg.Pool | pg.PoolClient, account: string, after: bigint, upTo: bigint): Promise<RecordedEvent[]> {
  const { rows } = await db.query<EventRow>(prepared(
    `SELECT ${EVENT_COLUMNS} FROM events
     WHERE global_position > $2::bigint AND global_position <= $3::bigint AND starts_with(stream, $1)
     ORDER BY global_position`,
    [accountPrefix(account), after.toString(), upTo.toString()],
  ));
  return rows.map((row) => upcast(fromRow(row)));
}
