import { projectionRunnerOf, type Ledger } from '../../application/api/ledger.js';
import { applyRecorded } from '../../application/read/event-log.js';
import { START, type EventStore } from '../../application/ports/event-store.js';
import { STREAM_ROOT } from '../../domain/identity.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
import type { SessionListReader } from '../../projections/session-list/reader.js';
import { withClient } from './postgres.js';

/** Every device list and total a reader holds, by account and device. */
export function allViews(reader: SessionListReader, accounts: readonly string[] = reader.accountIds()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const account of [...accounts].sort()) {
    for (const device of reader.devicesOf(account).sort()) {
      out[`${account}/${device}`] = { list: reader.allSessions(account, device), total: reader.totalUnread(account, device) };
    }
  }
  return out;
}

/** The read models an in-memory fold of the whole log from position 0 gives. */
export async function inMemoryRebuild(store: EventStore): Promise<SessionListProjection> {
  const projection = new SessionListProjection();
  for (const e of await store.readAll({ fromPosition: START, filter: { streamPrefixes: [STREAM_ROOT] } })) applyRecorded(projection, e);
  return projection;
}

/** What the PostgreSQL read-model tables at `url` hold: each account's folded-event count, and the checkpoint. */
export async function projectedTables(url: string): Promise<{ accounts: Map<string, number>; checkpoint: { commit: bigint; prepare: bigint } | undefined }> {
  return withClient(url, async (client) => {
    const accounts = await client.query<{ account: string; events: string }>('SELECT account, events::text AS events FROM rm_accounts');
    const checkpoint = await client.query<{ commit: string; prepare: string }>('SELECT commit_position::text AS commit, prepare_position::text AS prepare FROM rm_projector');
    const row = checkpoint.rows[0];
    return {
      accounts: new Map(accounts.rows.map((r) => [r.account, Number(r.events)])),
      checkpoint: row && { commit: BigInt(row.commit), prepare: BigInt(row.prepare) },
    };
  });
}

/** The views of every account the tables hold, as `ledger` reads them (each loaded from its rows first). */
export async function loadedViews(ledger: Ledger, accounts: readonly string[]): Promise<Record<string, unknown>> {
  const release = await projectionRunnerOf(ledger).readModels.use!(accounts);
  try {
    return allViews(ledger.reader, accounts);
  } finally {
    release();
  }
}

/** The pid of the session that holds the projector's lease in `url`'s schema. */
export async function leaseHolder(url: string): Promise<number> {
  const schema = new URL(url).searchParams.get('options')!.split('=')[1]!;
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ pid: number }>(
      "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND (classid::bigint << 32 | objid::bigint) = (hashtextextended($1, 0) & x'ffffffffffffffff'::bigint)",
      [`session-ledger-lease:${schema}:read-model-projector`],
    );
    if (rows.length !== 1) throw new Error(`expected one holder of the projector lease, found ${rows.length}`);
    return rows[0]!.pid;
  });
}
