/**
 * Read models in PostgreSQL tables: getLocalSessions (limit 100) p50/p99 for an account of 10,000
 * sessions, through the device view (each query checks the account's position in its row first)
 * and on the read-model port (cached account), against in-process read models folded from the same
 * events; and the first call in a second ledger, which loads the account from the tables.
 * `node dist/bench/pg-read-model-bench.js [sessions]`; PG_URL, or an embedded PostgreSQL (fsync on).
 */
import { pathToFileURL } from 'node:url';
import { createLedger } from '../infrastructure/create-ledger.js';
import type { EventStore } from '../application/ports/event-store.js';
import { applyRecorded } from '../application/read/event-log.js';
import { SessionListProjection } from '../projections/session-list/projection.js';
import { p2p } from '../test/support/messages.js';
import { pages, type Latency } from './read-model-bench.js';
import { heapUsed } from './baselines.js';
import { startEmbeddedPostgres, withClient, type Server } from '../test/support/postgres.js';

const T0 = 1_700_000_000_000;
const IN_FLIGHT = 64;

export interface PgPagingFigures {
  readonly sessions: number;
  readonly writePerSecond: number;
  readonly firstMs: number;
  /** heap the first call's load of the account took, per session (run with --expose-gc) */
  readonly cachedBytesPerSession: number;
  readonly view: Latency;
  readonly tables: Latency;
  readonly inProcess: Latency;
}

export async function run(sessions = 10_000, calls = 2000): Promise<PgPagingFigures> {
  const given = process.env['PG_URL'];
  const server: Server = given ? { url: given, stop: async () => undefined } : await startEmbeddedPostgres({ durable: true });
  const url = new URL(server.url);
  url.searchParams.set('options', '-c search_path=bench_rm');
  try {
    await withClient(server.url, (client) => client.query('DROP SCHEMA IF EXISTS bench_rm CASCADE; CREATE SCHEMA bench_rm'));
    const writer = await createLedger({ store: url.toString(), clock: () => T0 });
    const started = performance.now();
    let next = 0;
    const view = writer.account('acc0');
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      for (let i = next++; i < sessions; i = next++) await view.receiveMessage(p2p(`u${i}`, 'acc0', T0 - sessions + i));
    }));
    const writePerSecond = sessions / ((performance.now() - started) / 1000);
    await writer.close();
    const ledger = await createLedger({ store: url.toString(), clock: () => T0 });
    try {
      const reader = ledger.account('acc0');
      const heapBefore = heapUsed();
      const t = performance.now();
      const first = await reader.getLocalSessions({ limit: 100 });
      const firstMs = performance.now() - t;
      const cachedBytesPerSession = (heapUsed() - heapBefore) / sessions;
      if (first.sessions.length !== 100) throw new Error(`expected a page of 100, got ${first.sessions.length}`);
      const options = (cursor: string | undefined) => ({ limit: 100, ...(cursor !== undefined && { lastSessionId: cursor }) });
      const viewLatency = await pages(calls, async (cursor) => (await reader.getLocalSessions(options(cursor))).sessions);
      const tables = await pages(calls, (cursor) => ledger.reader.listSessions('acc0', 'default', options(cursor)));
      const projection = new SessionListProjection();
      for (const e of await (ledger as unknown as { store: EventStore }).store.readAll()) applyRecorded(projection, e);
      const inProcess = await pages(calls, (cursor) => projection.reader.listSessions('acc0', 'default', options(cursor)));
      return { sessions, writePerSecond, firstMs, cachedBytesPerSession, view: viewLatency, tables, inProcess };
    } finally {
      await ledger.close();
    }
  } finally {
    if (given) await withClient(given, (client) => client.query('DROP SCHEMA bench_rm CASCADE'));
    await server.stop();
  }
}

export function format(p: PgPagingFigures): string[] {
  const l = (x: Latency) => `p50 ${x.p50Micros.toFixed(0)} µs, p99 ${x.p99Micros.toFixed(0)} µs`;
  return [
    `read models in PostgreSQL tables: an account of ${p.sessions.toLocaleString('en-US')} sessions (written at ${p.writePerSecond.toFixed(0)} msg/s, ${IN_FLIGHT} in flight)`,
    `  getLocalSessions (limit 100) in a second ledger: first call ${p.firstMs.toFixed(1)} ms (loads the account from the tables: +${Math.round(p.cachedBytesPerSession).toLocaleString('en-US')} B of heap per session), then ${l(p.view)} (each checks the account's row position)`,
    `    listSessions on the port: tables (cached account) ${l(p.tables)}; in-process read models (baseline) ${l(p.inProcess)}; view/in-process p99 ratio ${(p.view.p99Micros / p.inProcess.p99Micros).toFixed(2)}`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(format(await run(Number(process.argv[2] ?? 10_000))).join('\n'));
}
