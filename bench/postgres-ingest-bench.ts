/**
 * Ingest on the PostgreSQL store: receiveMessage commands, one after another and 64 in flight,
 * against raw `pg` inserts of the very rows those commands wrote, on the same server in the same
 * run (one INSERT per row, autocommit, on a pool of the same size). The raw inserts are the floor
 * a store on this server cannot beat; the ratio is what the ledger's work on top costs.
 *
 * `node dist/bench/postgres-ingest-bench.js [messages per phase, default 2000]`; uses PG_URL when
 * set, otherwise starts an embedded PostgreSQL with its durable defaults (fsync on).
 */
import pg from 'pg';
import { createLedger } from '../infrastructure/create-ledger.js';
import { PgEventStore } from '../infrastructure/store/postgres/pg-event-store.js';
import { EVENT_COLUMNS, type EventRow } from '../infrastructure/store/postgres/pg-log.js';
import { accountViews, messages } from './ingest-bench.js';
import { startEmbeddedPostgres, withClient, type Server } from '../test/support/postgres.js';

export interface PostgresIngestFigures {
  readonly messages: number;
  readonly rowsPerMessage: number;
  readonly ledger: { readonly sequentialPerSecond: number; readonly inFlight64PerSecond: number };
  readonly raw: { readonly sequentialPerSecond: number; readonly inFlight64PerSecond: number };
}

type Row = EventRow;

const IN_FLIGHT = 64;
const POOL_SIZE = 10;

/** Runs `work` over `items`, `width` at a time; returns items per second. */
async function timed<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
  return items.length / ((performance.now() - started) / 1000);
}

async function freshSchema(base: string, name: string): Promise<string> {
  await withClient(base, (client) => client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name}`));
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${name}`);
  return url.toString();
}

async function ledgerIngest(url: string, n: number): Promise<{ sequentialPerSecond: number; inFlight64PerSecond: number; rows: { seq: Row[]; par: Row[] } }> {
  const ledger = await createLedger({ store: url, clock: () => 1_700_000_000_000 });
  const rowsSince = async (after: string) => withClient(url, async (client) =>
    (await client.query<Row>(`SELECT ${EVENT_COLUMNS} FROM events WHERE global_position > $1 ORDER BY global_position`, [after])).rows);
  try {
    const view = await accountViews(ledger);
    const start = (await rowsSince('-1')).at(-1)?.position ?? '-1';
    const sequentialPerSecond = await timed(messages(n, 'seq'), 1, (m) => view(m.to).receiveMessage(m));
    const seq = await rowsSince(start);
    const inFlight64PerSecond = await timed(messages(n, 'par'), IN_FLIGHT, (m) => view(m.to).receiveMessage(m));
    const par = await rowsSince(seq.at(-1)?.position ?? start);
    return { sequentialPerSecond, inFlight64PerSecond, rows: { seq, par } };
  } finally {
    await ledger.close();
  }
}

async function rawInserts(url: string, rows: { seq: Row[]; par: Row[] }): Promise<{ sequentialPerSecond: number; inFlight64PerSecond: number }> {
  await (await PgEventStore.connect(url)).close(); // the same tables
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  pool.on('error', () => undefined);
  const insert = (row: Row) => pool.query({
    name: 'bench_raw_insert',
    text: 'INSERT INTO events (global_position, stream, revision, id, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    values: [row.position, row.stream, row.revision, row.id, row.type, row.data, row.metadata],
  });
  try {
    const sequentialPerSecond = await timed(rows.seq, 1, insert);
    const inFlight64PerSecond = await timed(rows.par, IN_FLIGHT, insert);
    return { sequentialPerSecond, inFlight64PerSecond };
  } finally {
    await pool.end();
  }
}

export async function run(n = 2000): Promise<PostgresIngestFigures> {
  const given = process.env['PG_URL'];
  const server: Server = given ? { url: given, stop: async () => undefined } : await startEmbeddedPostgres({ durable: true });
  try {
    const ledger = await ledgerIngest(await freshSchema(server.url, 'bench_ledger'), n);
    const raw = await rawInserts(await freshSchema(server.url, 'bench_raw'), ledger.rows);
    if (given) await withClient(given, (client) => client.query('DROP SCHEMA bench_ledger, bench_raw CASCADE'));
    const rowsPerMessage = (ledger.rows.seq.length + ledger.rows.par.length) / (2 * n);
    return { messages: n, rowsPerMessage, ledger: { sequentialPerSecond: ledger.sequentialPerSecond, inFlight64PerSecond: ledger.inFlight64PerSecond }, raw };
  } finally {
    await server.stop();
  }
}

export function format(f: PostgresIngestFigures): string[] {
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  return [
    `postgres ingest (receiveMessage, 200 accounts, ${f.messages} messages per phase, ${f.rowsPerMessage.toFixed(2)} rows each; raw pg inserts of the same rows are the baseline)`,
    `  ledger  sequential ${f.ledger.sequentialPerSecond.toFixed(0)} msg/s, ${IN_FLIGHT} in flight ${f.ledger.inFlight64PerSecond.toFixed(0)} msg/s`,
    `  raw pg  sequential ${f.raw.sequentialPerSecond.toFixed(0)} rows/s, ${IN_FLIGHT} in flight ${f.raw.inFlight64PerSecond.toFixed(0)} rows/s (pool of ${POOL_SIZE})`,
    `  ledger/raw (messages per second over rows per second): sequential ${ratio(f.ledger.sequentialPerSecond, f.raw.sequentialPerSecond)}, ${IN_FLIGHT} in flight ${ratio(f.ledger.inFlight64PerSecond, f.raw.inFlight64PerSecond)}`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of format(await run(Number(process.argv[2] ?? 2000)))) console.log(line);
}
