/**
 * Read models in sqlite tables: a ledger's open time and heap on stores of 100k and 1M events (they
 * must not grow with the store), the one-time build of the tables (what an older file or `rebuild`
 * costs), and getLocalSessions p99 for an account of 10,000 sessions read from the tables.
 * The stores are written by raw SQL in the ledger's schema and cached under /tmp, tables built.
 * Run: npx tsc -p tsconfig.json && node --expose-gc dist/bench/read-model-bench.js [events…]
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { cleanMarkPath } from '../infrastructure/store/sqlite/sqlite-integrity.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { createLedger } from '../index.js';
import { projectionRunnerOf } from '../application/api/ledger.js';
import { openLedgerDatabase } from '../infrastructure/store/sqlite/sqlite-schema.js';
import type { EventStore } from '../application/ports/event-store.js';
import { applyRecorded } from '../application/read/event-log.js';
import type { Session } from '../projections/session-list/model.js';
import { SessionListProjection } from '../projections/session-list/projection.js';
import { heapUsed } from './baselines.js';

/** BENCH_CACHE: another directory for the cached stores (a copy of your own while others run benches) */
const CACHE = process.env['BENCH_CACHE'] ?? '/tmp/session-ledger-bench';
/** bump when the generated events change: cached stores are then written again */
const BUILD = 1;
const T0 = 1_700_000_000_000;
const SESSIONS_PER_ACCOUNT = 20;
const EVENTS_PER_ACCOUNT = 100;
/** accounts whose traffic interleaves at a time while the builder writes */
const ACTIVE = 50;

export interface OpenFigure {
  readonly events: number;
  /** the open after a clean close (the usual restart) */
  readonly openMs: number;
  /** the open of a file without a clean-close mark (after a crash, a copy): PRAGMA quick_check runs */
  readonly checkedOpenMs: number;
  readonly heapBytes: number;
  readonly eventsReadAtOpen: number;
}

const meta = (account: string, at: number, n: number) => JSON.stringify({
  commandId: `c${n}`, commandType: 'ReceiveMessage', correlationId: `c${n}`, causationId: `c${n}`, account, device: 'default', at, schemaVersion: 2, idempotencyKey: `e${n}`,
});

/**
 * Writes `events` events in the ledger's schema: each account a DeviceRegistered, then messages
 * received over `sessions` sessions (accounts `ACTIVE` at a time, their traffic interleaved).
 */
function writeEvents(path: string, events: number, sessions = SESSIONS_PER_ACCOUNT, perAccount = EVENTS_PER_ACCOUNT): void {
  const db = openLedgerDatabase(path);
  const insert = db.prepare('INSERT INTO events (stream, revision, id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)');
  const revisions = new Map<string, number>();
  const append = (stream: string, type: string, data: unknown, metadata: string, n: number) => {
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    insert.run(stream, revision, `e${n}`, type, JSON.stringify(data), metadata);
  };
  const accounts = Math.ceil(events / perAccount);
  let n = 0;
  const chunk = db.transaction((from: number) => {
    for (let a = from; a < Math.min(from + ACTIVE, accounts); a++) {
      const account = `acc${a}`;
      append(`ledger/${account}/account`, 'DeviceRegistered', { device: 'default', options: { db: true, syncSessionUnread: false, autoMarkRead: false }, mode: 'B' }, meta(account, T0, n), n++);
    }
    for (let k = 1; k < perAccount && n < events; k++) {
      for (let a = from; a < Math.min(from + ACTIVE, accounts) && n < events; a++) {
        const account = `acc${a}`;
        const peer = `u${(k * 7 + a) % sessions}`;
        const time = T0 + n;
        const message = { scene: 'p2p', from: peer, to: account, idClient: `m${n}`, type: k % 5 === 0 ? 'image' : 'text', text: `hi ${n}`, time };
        append(`ledger/${account}/session/p2p/${peer}`, 'MessageReceived', { sessionId: `p2p-${peer}`, message, delivery: 'online', device: 'default', counting: true }, meta(account, time, n), n++);
      }
    }
  });
  for (let from = 0; from < accounts && n < events; from += ACTIVE) chunk(from);
  const stream = db.prepare('INSERT INTO streams (name, last_revision) VALUES (?, ?)');
  db.transaction(() => { for (const [name, revision] of revisions) stream.run(name, revision); })();
  db.close();
}

/** A cached store of `events` events with its tables built; the build's time when it had to build. */
async function store(name: string, events: number, write: (path: string) => void): Promise<{ path: string; buildMs?: number }> {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, `${name}-${events}-b${BUILD}.sqlite`);
  if (existsSync(path)) return { path };
  const partial = `${path}.partial`;
  for (const suffix of ['', '-wal', '-shm', '-clean']) rmSync(partial + suffix, { force: true });
  write(partial);
  const t = performance.now();
  const ledger = await createLedger({ store: `sqlite:${partial}`, clock: () => T0 });
  const buildMs = performance.now() - t;
  await ledger.close();
  const db = new Database(partial);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  renameSync(partial, path);
  rmSync(cleanMarkPath(partial), { force: true }); // it named the file before the checkpoint above
  return { path, buildMs };
}

/**
 * Opens a ledger on the store: how long the open takes and how much heap the ledger holds after it;
 * first without the clean-close mark (checked), then again after that open's clean close.
 */
async function measureOpen(path: string, events: number): Promise<OpenFigure> {
  rmSync(cleanMarkPath(path), { force: true });
  const checked = performance.now();
  const first = await createLedger({ store: `sqlite:${path}`, clock: () => T0 });
  const checkedOpenMs = performance.now() - checked;
  await first.close();
  const before = heapUsed();
  const t = performance.now();
  const ledger = await createLedger({ store: `sqlite:${path}`, clock: () => T0 });
  const openMs = performance.now() - t;
  const heapBytes = heapUsed() - before;
  const eventsReadAtOpen = projectionRunnerOf(ledger).eventsCaughtUp;
  await ledger.close();
  return { events, openMs, checkedOpenMs, heapBytes, eventsReadAtOpen };
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

export interface Latency {
  readonly p50Micros: number;
  readonly p99Micros: number;
}

/** `calls` pages of 100 walked down the list (from the top again after the last page), timed one by one. */
export async function pages(calls: number, page: (cursor: string | undefined) => Promise<Session[]> | Session[]): Promise<Latency> {
  const times: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    const sessions = await page(cursor);
    times.push((performance.now() - t) * 1000);
    cursor = sessions.length === 100 ? sessions[99]!.id : undefined;
  }
  times.sort((a, b) => a - b);
  return { p50Micros: percentile(times, 0.5), p99Micros: percentile(times, 0.99) };
}

export interface PagingFigures {
  readonly sessions: number;
  /** the first call after open: it loads the account from the tables */
  readonly firstMs: number;
  /** getLocalSessions through the device view, read models in tables */
  readonly view: Latency;
  /** the read-model port's listSessions, read models in tables (cached account) */
  readonly tables: Latency;
  /** baseline: the same query on in-process read models folded from the same events */
  readonly inProcess: Latency;
}

/** getLocalSessions (limit 100) over an account of `sessions` sessions read from the tables, against in-process read models. */
async function pagingFigures(sessions: number, calls: number): Promise<PagingFigures> {
  const { path } = await store('one-account', sessions, (p) => writeEvents(p, sessions, sessions, sessions + 1));
  const ledger = await createLedger({ store: `sqlite:${path}`, clock: () => T0 });
  try {
    const view = ledger.account('acc0');
    const t = performance.now();
    const first = await view.getLocalSessions({ limit: 100 });
    const firstMs = performance.now() - t;
    if (first.sessions.length !== 100) throw new Error(`expected a page of 100, got ${first.sessions.length}`);
    const options = (cursor: string | undefined) => ({ limit: 100, ...(cursor !== undefined && { lastSessionId: cursor }) });
    const viewLatency = await pages(calls, async (cursor) => (await view.getLocalSessions(options(cursor))).sessions);
    const tables = await pages(calls, (cursor) => ledger.reader.listSessions('acc0', 'default', options(cursor)));
    const projection = new SessionListProjection();
    for (const e of await (ledger as unknown as { store: EventStore }).store.readAll()) applyRecorded(projection, e);
    const inProcess = await pages(calls, (cursor) => projection.reader.listSessions('acc0', 'default', options(cursor)));
    return { sessions, firstMs, view: viewLatency, tables, inProcess };
  } finally {
    await ledger.close();
  }
}

export async function run(sizes: readonly number[] = [100_000, 1_000_000]): Promise<{ opens: (OpenFigure & { buildMs?: number })[]; paging: PagingFigures }> {
  const opens: (OpenFigure & { buildMs?: number })[] = [];
  for (const events of sizes) {
    const { path, buildMs } = await store('accounts', events, (p) => writeEvents(p, events));
    opens.push({ ...(await measureOpen(path, events)), ...(buildMs !== undefined && { buildMs }) });
  }
  return { opens, paging: await pagingFigures(10_000, 2000) };
}

export function format(result: Awaited<ReturnType<typeof run>>): string[] {
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;
  const lines = ['read models in sqlite tables (open of a cached store; tables built once, timed when built)'];
  for (const o of result.opens) {
    const build = o.buildMs === undefined ? 'cached' : `${(o.buildMs / 1000).toFixed(1)} s (${Math.round(o.events / (o.buildMs / 1000)).toLocaleString('en-US')} events/s)`;
    lines.push(`  ${o.events.toLocaleString('en-US').padStart(9)} events: open ${o.openMs.toFixed(0)} ms (after a crash or copy, quick_check included: ${o.checkedOpenMs.toFixed(0)} ms), heap after open +${mb(o.heapBytes)}, events read at open ${o.eventsReadAtOpen}; table build ${build}`);
  }
  const p = result.paging;
  const l = (x: Latency) => `p50 ${x.p50Micros.toFixed(0)} µs, p99 ${x.p99Micros.toFixed(0)} µs`;
  lines.push(`  getLocalSessions (limit 100) on an account of ${p.sessions.toLocaleString('en-US')} sessions: first call after open ${p.firstMs.toFixed(1)} ms (loads the account from the tables), then ${l(p.view)}`);
  lines.push(`    listSessions on the port: tables (cached account) ${l(p.tables)}; in-process read models (baseline) ${l(p.inProcess)}; p50 ratio ${(p.tables.p50Micros / p.inProcess.p50Micros).toFixed(2)}`);
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  console.log(format(await run(sizes.length > 0 ? sizes : undefined)).join('\n'));
}
