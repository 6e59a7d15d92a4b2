/**
 * The floors the ledger is measured against (issue "Speed"): what the same work costs with nothing
 * of the ledger around it. Each function does the ledger's workload with the plainest tool for it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Subject, filter } from 'rxjs';
import { openLedgerDatabase } from '../infrastructure/store/sqlite/sqlite-schema.js';
import type { Message } from '../domain/message.js';

export interface Rate {
  readonly count: number;
  readonly ms: number;
  readonly perSecond: number;
}

export const rate = (count: number, ms: number): Rate => ({ count, ms, perSecond: count / (ms / 1000) });

/**
 * The bench's clock in ms: wall time, or with BENCH_CLOCK=cpu this process's CPU time (user and
 * system, all its threads), which other processes on shared cores disturb far less.
 */
export const clock: () => number = process.env['BENCH_CLOCK'] === 'cpu'
  ? () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  }
  : () => performance.now();

/** The bench workload (ingest-bench's): incoming messages over 200 accounts from 50 peers each. */
export { messages as workload } from './ingest-bench.js';

// --- Emmett's in-memory store: installed on first use into bench/peers/, never a dependency of the package

const baselinesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'peers');

interface EmmettModule {
  getInMemoryEventStore(): unknown;
  DeciderCommandHandler(options: {
    decide: (command: unknown, state: unknown) => unknown;
    evolve: (state: unknown, event: unknown) => unknown;
    initialState: () => unknown;
  }): (store: unknown, id: string, command: unknown) => Promise<unknown>;
}

async function emmett(): Promise<EmmettModule> {
  const entry = join(baselinesDir, 'node_modules', '@event-driven-io', 'emmett', 'dist', 'index.js');
  if (!existsSync(entry)) {
    process.stderr.write('installing the Emmett baseline into bench/peers (npm registry)…\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent'], { cwd: baselinesDir, stdio: 'inherit' });
  }
  return (await import(pathToFileURL(entry).href)) as EmmettModule;
}

/**
 * Emmett's in-memory event store with its decider command handler, one event per command: the
 * session's unread count as state, the message as the event. The same messages as the ledger gets.
 */
export async function emmettInMemoryIngest(messages: readonly Message[]): Promise<Rate> {
  const { getInMemoryEventStore, DeciderCommandHandler } = await emmett();
  const store = getInMemoryEventStore();
  const handle = DeciderCommandHandler({
    decide: (command) => ({ type: 'MessageReceived', data: (command as { data: unknown }).data }),
    evolve: (state, event) => ({ unread: (state as { unread: number }).unread + ((event as { type: string }).type === 'MessageReceived' ? 1 : 0) }),
    initialState: () => ({ unread: 0 }),
  });
  const t = clock();
  for (const m of messages) await handle(store, `session-${m.to}-${m.from}`, { type: 'ReceiveMessage', data: { message: m } });
  return rate(messages.length, clock() - t);
}

// --- raw better-sqlite3 with the ledger's own schema and pragmas

interface RawSqlite {
  readonly insertOne: (m: Message, position: number) => void;
  readonly insertBatch: (rows: readonly Message[], first: number) => void;
  readonly close: () => void;
}

function rawSqlite(path: string): RawSqlite {
  const db = openLedgerDatabase(path);
  const insertEvent = db.prepare('INSERT INTO events (position, stream, revision, id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const upsertStream = db.prepare('INSERT INTO streams (name, last_revision) VALUES (?, 0) ON CONFLICT(name) DO UPDATE SET last_revision = last_revision + 1 RETURNING last_revision');
  const row = (m: Message, position: number) => {
    const stream = `ledger/${m.to}/session/p2p/${m.from}`;
    const revision = upsertStream.pluck().get(stream) as bigint;
    const metadata = { schemaVersion: 1, recordedAt: m.time, commandId: `c${position}`, account: m.to, device: 'default' };
    insertEvent.run(position, stream, revision, `e${position}`, 'MessageReceived', JSON.stringify({ message: m, delivery: 'online' }), JSON.stringify(metadata));
  };
  const one = db.transaction(row);
  const many = db.transaction((rows: readonly Message[], first: number) => rows.forEach((m, i) => row(m, first + i)));
  return {
    insertOne: (m, position) => one.immediate(m, position),
    insertBatch: (rows, first) => many.immediate(rows, first),
    close: () => db.close(),
  };
}

/** Raw better-sqlite3: one transaction per row, and every row in one transaction. */
export function rawSqliteIngest(messages: readonly Message[]): { perRow: Rate; batched: Rate } {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-raw-'));
  try {
    const a = rawSqlite(join(dir, 'one.sqlite'));
    let t = clock();
    messages.forEach((m, i) => a.insertOne(m, i));
    const perRow = rate(messages.length, clock() - t);
    a.close();
    const b = rawSqlite(join(dir, 'batch.sqlite'));
    t = clock();
    b.insertBatch(messages, 0);
    const batched = rate(messages.length, clock() - t);
    b.close();
    return { perRow, batched };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A raw scan of a ledger's sqlite file in log order, with JSON.parse of data and metadata. */
export function rawSqliteScan(path: string): Rate {
  const db = openLedgerDatabase(path);
  try {
    const t = clock();
    let n = 0;
    for (const r of db.prepare('SELECT position, stream, revision, id, type, data, metadata FROM events ORDER BY position').iterate() as Iterable<{ data: string; metadata: string }>) {
      JSON.parse(r.data);
      JSON.parse(r.metadata);
      n++;
    }
    return rate(n, clock() - t);
  } finally {
    db.close();
  }
}

// --- bare RxJS fan-out: one Subject per key in a Map, the floor for routing a message to its handler

const gc = (globalThis as { gc?: () => void }).gc;
export function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** `subscribers` keyed subscribers, each counting its messages; messages looked up by key. */
export function rxjsFanOut(subscribers: number, messages: number): { rate: Rate; bytesPerSubscriber: number } {
  const source = new Subject<{ key: string; text: string }>();
  const byKey = new Map<string, Subject<{ key: string; text: string }>>();
  let received = 0;
  const before = heapUsed();
  for (let i = 0; i < subscribers; i++) {
    const s = new Subject<{ key: string; text: string }>();
    s.pipe(filter((m) => m.text.length > 0)).subscribe(() => void received++);
    byKey.set(`user${i}`, s);
  }
  const bytesPerSubscriber = (heapUsed() - before) / subscribers;
  const routing = source.subscribe((m) => byKey.get(m.key)?.next(m));
  const batch = Array.from({ length: messages }, (_, n) => ({ key: `user${n % subscribers}`, text: 'hi' }));
  const t = clock();
  for (const m of batch) source.next(m);
  const ms = clock() - t;
  routing.unsubscribe();
  if (received !== messages) throw new Error(`rxjs baseline delivered ${received} of ${messages}`);
  return { rate: rate(messages, ms), bytesPerSubscriber };
}
