import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ledger, projectionRunnerOf } from '../application/api/ledger.js';
import type { EventStore } from '../application/ports/event-store.js';
import type { Message } from '../domain/message.js';
import { openStore } from '../infrastructure/create-ledger.js';
import { startTestServer } from '../test/esdb-server/server.js';

export interface StoreFigures {
  readonly store: string;
  /** receiveMessage commands per second, each resolved after its read models caught up */
  readonly sequentialPerSecond: number;
  readonly inFlight64PerSecond: number;
  /** ms from the store's append resolving to the projection having applied it */
  readonly lagMedianMs: number;
  readonly lagP95Ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
}

/** Pairs each append's resolution with the projection applying it, whichever comes first. */
class LagMeter {
  private readonly appended = new Map<bigint, number>();
  private readonly applied = new Map<bigint, number>();
  readonly lags: number[] = [];

  append(position: bigint): void {
    this.pair(position, this.appended, this.applied);
  }

  apply(position: bigint): void {
    this.pair(position, this.applied, this.appended);
  }

  private pair(position: bigint, mine: Map<bigint, number>, theirs: Map<bigint, number>): void {
    const now = performance.now();
    const other = theirs.get(position);
    if (other === undefined) {
      mine.set(position, now);
      return;
    }
    theirs.delete(position);
    // In-process stores apply before the append resolves: lag 0.
    this.lags.push(mine === this.applied ? now - other : 0);
  }
}

/** Wraps a store so the meter knows when each append resolved, keyed by its position. */
function timed(store: EventStore, meter: LagMeter): EventStore {
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key !== 'appendToStream') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: Parameters<EventStore['appendToStream']>) => {
        const result = await target.appendToStream(...args);
        meter.append(result.position.commit);
        return result;
      };
    },
  });
}

async function measure(label: string, url: string, n: number): Promise<StoreFigures> {
  const meter = new LagMeter();
  const ledger = await Ledger.open({ store: timed(await openStore(url), meter), clock: () => 1_700_000_000_000 });
  // One position per append: the last event of each batch is what the append reports.
  const sub = projectionRunnerOf(ledger).applied$.subscribe(({ events }) => {
    for (const e of events) meter.apply(e.position.commit);
  });
  try {
    const views = Array.from({ length: 100 }, (_, i) => ledger.account(`acct${i}`));
    await Promise.all(views.map((v) => v.ready));
    const msg = (i: number, tag: string): Message => ({ scene: 'p2p', from: `peer${i % 40}`, to: `acct${i % 100}`, idClient: `${tag}${i}`, type: 'text', time: 1_700_000_000_000 + i });
    let t = performance.now();
    for (let i = 0; i < n; i++) await views[i % 100]!.receiveMessage(msg(i, 's'));
    const sequentialPerSecond = n / ((performance.now() - t) / 1000);
    t = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < n) {
        const i = next++;
        await views[i % 100]!.receiveMessage(msg(i, 'p'));
      }
    }));
    const inFlight64PerSecond = n / ((performance.now() - t) / 1000);
    const lags = [...meter.lags].sort((a, b) => a - b);
    return { store: label, sequentialPerSecond, inFlight64PerSecond, lagMedianMs: percentile(lags, 0.5), lagP95Ms: percentile(lags, 0.95) };
  } finally {
    sub.unsubscribe();
    await ledger.close();
  }
}

/** sqlite and the EventStoreDB test server, measured in the same run. */
export async function run(n = 2000): Promise<{ sqlite: StoreFigures; esdb: StoreFigures }> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-lag-'));
  const server = await startTestServer();
  try {
    const sqlite = await measure('sqlite', `sqlite:${join(dir, 'lag.sqlite')}`, n);
    const esdb = await measure('esdb (test server)', server.url, n);
    return { sqlite, esdb };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function format(f: StoreFigures): string {
  return `${f.store.padEnd(19)} sequential ${f.sequentialPerSecond.toFixed(0).padStart(5)} cmd/s, 64 in flight ${f.inFlight64PerSecond.toFixed(0).padStart(5)} cmd/s, projection lag median ${f.lagMedianMs.toFixed(2)} ms, p95 ${f.lagP95Ms.toFixed(2)} ms`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { sqlite, esdb } = await run(Number(process.argv[2] ?? 2000));
  console.log(format(sqlite));
  console.log(format(esdb));
  console.log(`esdb/sqlite: sequential ${(esdb.sequentialPerSecond / sqlite.sequentialPerSecond).toFixed(2)}, 64 in flight ${(esdb.inFlight64PerSecond / sqlite.inFlight64PerSecond).toFixed(2)}`);
}
