import { startTestServer } from '../esdb-server/server.js';
import { freshPostgresUrl, withClient } from './postgres.js';

/**
 * A deployment that many ledger processes share, made fresh for one test: the options each
 * ledger opens with (`createLedger({ store, readModels })`), the PostgreSQL database (its URL,
 * with its schema) that holds their leases and locks, and the stop.
 */
export interface SharedStore {
  readonly store: string;
  readonly readModels?: string;
  /** the PostgreSQL connection string whose schema scopes the leases and key locks */
  readonly locksUrl: string;
  close(): Promise<void>;
}

/** The deployments where processes share leases and locks: PostgreSQL alone, and EventStoreDB (the test server) with read models in PostgreSQL. */
export const SHARED_STORES: readonly { readonly tag: string; readonly title: string; open(): Promise<SharedStore> }[] = [
  {
    tag: '[postgres]',
    title: 'one PostgreSQL database',
    async open() {
      const url = await freshPostgresUrl();
      return { store: url, locksUrl: url, close: async () => undefined };
    },
  },
  {
    tag: '[esdb+postgres]',
    title: 'EventStoreDB with read models in one PostgreSQL database',
    async open() {
      const [server, readModels] = await Promise.all([startTestServer(), freshPostgresUrl()]);
      return { store: server.url, readModels, locksUrl: readModels, close: () => server.close() };
    },
  },
];

/** The schema that scopes the leases and locks of `url` (a URL from freshPostgresUrl). */
export function schemaOf(url: string): string {
  return new URL(url).searchParams.get('options')!.split('=')[1]!;
}

/** The sessions holding (`granted`) or waiting for the lease `name` of the schema in `url`, as the server sees them (pg_locks). */
export async function leaseSessions(url: string, name: string, granted = true): Promise<number[]> {
  return withClient(url, async (c) => (await c.query<{ pid: number }>(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted = $2 AND (classid::bigint << 32 | objid::bigint) = (hashtextextended($1, 0) & x'ffffffffffffffff'::bigint)",
    [`session-ledger-lease:${schemaOf(url)}:${name}`, granted],
  )).rows.map((r) => r.pid));
}
