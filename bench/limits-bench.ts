/**
 * Every hot path against its floor, measured in the same run (issue "Speed"): the ledger's figure,
 * the baseline's, their ratio, and the target.
 * Run: npx tsc -p tsconfig.json && node --expose-gc dist/bench/limits-bench.js [replayEvents]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLedger, type Ledger } from '../index.js';
import { rebuildReadModels } from '../application/read/rebuild.js';
import { openStore } from '../infrastructure/create-ledger.js';
import { clock, emmettInMemoryIngest, heapUsed, rate, rawSqliteIngest, rawSqliteScan, rxjsFanOut, workload, type Rate } from './baselines.js';
import { run as streamsBench } from './streams-bench.js';
import { accountViews } from './ingest-bench.js';
import { run as readModelMemory, type MemoryFigure } from './read-model-memory-bench.js';
import type { Message } from '../domain/message.js';

export interface LimitRow {
  readonly path: string;
  readonly ledger: string;
  readonly baseline: string;
  /** ledger / baseline, where both are rates (higher is better) */
  readonly ratio: number | undefined;
  readonly target: string;
  readonly met: boolean;
}

const CLOCK = () => 1_700_000_000_000;
const perSecond = (r: Rate) => `${Math.round(r.perSecond).toLocaleString('en-US')}/s`;

async function withViews<T>(ledger: Ledger, work: (view: (account: string) => ReturnType<Ledger['account']>) => Promise<T>): Promise<T> {
  return work(await accountViews(ledger));
}

async function sequential(ledger: Ledger, messages: readonly Message[]): Promise<Rate> {
  return withViews(ledger, async (view) => {
    const t = clock();
    for (const m of messages) await view(m.to).receiveMessage(m);
    return rate(messages.length, clock() - t);
  });
}

async function inFlight(ledger: Ledger, messages: readonly Message[], width: number): Promise<Rate> {
  return withViews(ledger, async (view) => {
    let next = 0;
    const t = clock();
    await Promise.all(Array.from({ length: width }, async () => {
      while (next < messages.length) {
        const m = messages[next++]!;
        await view(m.to).receiveMessage(m);
      }
    }));
    return rate(messages.length, clock() - t);
  });
}

let fresh = 0;
type IngestPath = 'ingest-memory' | 'ingest-sqlite' | 'ingest-sqlite-64';

const ratioRow = (path: string, ledger: Rate, baseline: Rate, name: string, target: number): LimitRow => {
  const ratio = ledger.perSecond / baseline.perSecond;
  return { path, ledger: perSecond(ledger), baseline: `${name}: ${perSecond(baseline)}`, ratio, target: `≥ ${target}`, met: ratio >= target };
};

/** One ingest row: the ledger's figure, then its baseline, in this process. */
async function ingestRow(path: IngestPath, n: number, dir: string): Promise<LimitRow> {
  if (path === 'ingest-memory') {
    const memory = await createLedger({ store: 'memory', clock: CLOCK });
    await sequential(memory, workload(Math.min(n, 1000), 'warm'));
    const memorySeq = await sequential(memory, workload(n, 'seq'));
    await memory.close();
    // warmed like the ledger, so that neither side is measured while the JIT still compiles it
    await emmettInMemoryIngest(workload(Math.min(n, 1000), 'emmett-warm'));
    const emmett = await emmettInMemoryIngest(workload(n, 'emmett'));
    return ratioRow('ingest, memory store, sequential', memorySeq, emmett, 'Emmett in-memory store, one event per command', 1.0);
  }
  const sqlite = await createLedger({ store: `sqlite:${join(dir, `${path}-${++fresh}.sqlite`)}`, clock: CLOCK });
  await sequential(sqlite, workload(Math.min(n, 1000), 'warm'));
  const ledger = path === 'ingest-sqlite' ? await sequential(sqlite, workload(n, 'seq')) : await inFlight(sqlite, workload(n, 'par'), 64);
  await sqlite.close();
  const raw = rawSqliteIngest(workload(n, 'raw'));
  return path === 'ingest-sqlite'
    ? ratioRow('ingest, sqlite, sequential', ledger, raw.perRow, 'raw better-sqlite3, one transaction per row', 0.5)
    : ratioRow('ingest, sqlite, 64 in flight', ledger, raw.batched, 'raw better-sqlite3, one batched transaction', 0.25);
}

async function ingestRows(n: number, dir: string): Promise<LimitRow[]> {
  const rows: LimitRow[] = [];
  for (const path of ['ingest-memory', 'ingest-sqlite', 'ingest-sqlite-64'] as const) rows.push(await ingestRow(path, n, dir));
  return rows;
}

async function replayRow(events: number, dir: string): Promise<LimitRow> {
  const path = join(dir, 'replay.sqlite');
  await buildReplayLog(events, path);
  return replayOf(path);
}

export async function buildReplayLog(events: number, path: string): Promise<void> {
  const ledger = await createLedger({ store: `sqlite:${path}`, clock: CLOCK });
  await inFlight(ledger, workload(events, 'replay'), 64);
  await ledger.close();
}

/** Rebuilds the read models from the log at `path`, against a raw scan of the same rows. */
async function replayOf(path: string): Promise<LimitRow> {
  const scan = rawSqliteScan(path);
  const store = await openStore(`sqlite:${path}`);
  const t = clock();
  const { events: replayed } = await rebuildReadModels(store);
  const replay = rate(replayed, clock() - t);
  await store.close();
  const ratio = replay.perSecond / scan.perSecond;
  return {
    path: `replay of ${replayed.toLocaleString('en-US')} events (rebuild)`,
    ledger: `${(replay.ms / 1000).toFixed(1)} s (${perSecond(replay)})`,
    baseline: `raw scan with JSON.parse: ${(scan.ms / 1000).toFixed(1)} s (${perSecond(scan)})`,
    ratio, target: '≥ 0.5', met: ratio >= 0.5,
  };
}

/** Read-model memory per session and per further message (bench/read-model-memory-bench.ts), in-process and the sqlite tables' cache. */
async function memoryRow(sessions: number, further: number): Promise<LimitRow> {
  const { figures } = await readModelMemory(sessions, further, { wholeProcess: false });
  const part = (f: MemoryFigure) => `${f.what.replace(/ \(.*\)$/, '')}: ${Math.round(f.perSession).toLocaleString('en-US')} B/session, +${Math.round(f.perMessage)} B per further message`;
  return {
    path: `read models, ${sessions.toLocaleString('en-US')} sessions`,
    ledger: figures.map(part).join('; '),
    baseline: '—', ratio: undefined, target: '≤ 1 KiB/session, flat in messages',
    met: figures.every((f) => f.perSession <= 1024 && f.perMessage < 8),
  };
}

async function streamsRow(): Promise<LimitRow> {
  const s = await streamsBench({ handlers: 10_000, messages: 100_000 });
  const floor = rxjsFanOut(10_000, 100_000);
  const ledgerRate = s.delivered.messagesPerSecond;
  const ratio = ledgerRate / floor.rate.perSecond;
  return {
    path: 'message streams, 10,000 idle handlers',
    ledger: `${ledgerRate.toLocaleString('en-US')} msg/s, ${s.bytesPerIdleHandler} B/handler`,
    baseline: `bare RxJS fan-out with a Map lookup: ${perSecond(floor.rate)}, ${Math.round(floor.bytesPerSubscriber)} B/subscriber`,
    ratio, target: '≥ 500k/s and ≥ 0.25; ≤ 1 KiB/handler',
    met: ledgerRate >= 500_000 && ratio >= 0.25 && s.bytesPerIdleHandler <= 1024,
  };
}

function p99(samples: number[]): number {
  samples.sort((a, b) => a - b);
  return samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))]!;
}

async function queryRow(store: 'memory' | 'sqlite', sessions: number, dir: string): Promise<LimitRow> {
  const ledger = await createLedger({ store: store === 'memory' ? 'memory' : `sqlite:${join(dir, 'query.sqlite')}`, clock: CLOCK });
  const view = ledger.account('big');
  await view.ready;
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < sessions) {
      const i = next++;
      await view.receiveMessage({ scene: 'p2p', from: `p${i}`, to: 'big', idClient: `q${i}`, type: 'text', text: 'hi', time: 1_700_000_000_000 + i });
    }
  }));
  const samples: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const lastSessionId = i % 2 === 0 ? undefined : `p2p-p${(i * 7919) % sessions}`;
    const t = performance.now();
    await view.getLocalSessions({ limit: 100, ...(lastSessionId ? { lastSessionId } : {}) });
    samples.push(performance.now() - t);
  }
  await ledger.close();
  const worst = p99(samples);
  return {
    path: `getLocalSessions at ${sessions.toLocaleString('en-US')} sessions (${store})`,
    ledger: `p99 ${worst.toFixed(3)} ms`, baseline: '—', ratio: undefined, target: 'p99 ≤ 1 ms', met: worst <= 1,
  };
}

export async function run(options: { ingest?: number; replay?: number } = {}): Promise<LimitRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-limits-'));
  try {
    const rows = await ingestRows(options.ingest ?? 4000, dir);
    rows.push(await replayRow(options.replay ?? 100_000, dir));
    rows.push(await memoryRow(10_000, 5));
    rows.push(await streamsRow());
    for (const store of ['memory', 'sqlite'] as const) rows.push(await queryRow(store, 10_000, dir));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One path alone, for `bench/profile.ts` to run under --cpu-prof. */
export async function profilePath(path: string, n = 20_000): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-prof-'));
  try {
    if (path === 'ingest-memory') {
      const ledger = await createLedger({ store: 'memory', clock: CLOCK });
      await sequential(ledger, workload(n, 'seq'));
      await ledger.close();
    } else if (path === 'ingest-sqlite' || path === 'ingest-sqlite-64') {
      const ledger = await createLedger({ store: `sqlite:${join(dir, 'p.sqlite')}`, clock: CLOCK });
      await (path === 'ingest-sqlite' ? sequential(ledger, workload(n, 'seq')) : inFlight(ledger, workload(n, 'par'), 64));
      await ledger.close();
    } else if (path === 'replay') {
      await replayRow(n * 5, dir);
    } else if (path === 'rebuild') {
      // the log was built by an earlier process (bench/profile.ts), so only the rebuild is profiled
      const store = await openStore(`sqlite:${process.env['LEDGER_REPLAY_LOG'] ?? ''}`);
      await rebuildReadModels(store);
      await store.close();
    } else if (path === 'streams') {
      await streamsBench({ handlers: 10_000, messages: 200_000 });
    } else {
      throw new Error(`unknown path ${path}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function table(rows: readonly LimitRow[]): string {
  const lines = ['| path | ledger | baseline in the same run | ratio | target | met |', '|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.path} | ${r.ledger} | ${r.baseline} | ${r.ratio === undefined ? '—' : r.ratio.toFixed(3)} | ${r.target} | ${r.met ? 'yes' : 'no'} |`);
  return lines.join('\n');
}

/**
 * One path, `runs` times in this process (medians of 3 by default): `--path ingest-memory|ingest-sqlite|
 * ingest-sqlite-64|replay|read-models`, so a change can be measured without the whole bench.
 */
export async function measurePath(path: string, runs = 3, n = 4000): Promise<{ rows: LimitRow[]; median: LimitRow }> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-path-'));
  try {
    const rows: LimitRow[] = [];
    if (path === 'replay') await buildReplayLog(n, join(dir, 'replay.sqlite'));
    if (path === 'read-models') {
      const row = await memoryRow(n, 5);
      return { rows: [row], median: row };
    }
    for (let i = 0; i < runs; i++) {
      if (path === 'replay') rows.push(await replayOf(join(dir, 'replay.sqlite')));
      else if (path === 'ingest-memory' || path === 'ingest-sqlite' || path === 'ingest-sqlite-64') rows.push(await ingestRow(path, n, dir));
      else throw new Error(`unknown path ${path}`);
    }
    const sorted = [...rows].sort((a, b) => (a.ratio ?? 0) - (b.ratio ?? 0));
    return { rows, median: sorted[Math.floor(sorted.length / 2)]! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--path');
  if (at >= 0) {
    const path = process.argv[at + 1] ?? '';
    const n = Number(process.argv[at + 2] ?? (path === 'replay' ? 100_000 : path === 'read-models' ? 10_000 : 4000));
    const { rows, median } = await measurePath(path, 3, n);
    console.log(table(rows));
    console.log(`median ratio ${median.ratio?.toFixed(3)}: ${median.ledger} against ${median.baseline}`);
  } else {
    const replay = process.argv[2] ? Number(process.argv[2]) : undefined;
    console.log(table(await run({ ...(replay ? { replay } : {}) })));
  }
}
