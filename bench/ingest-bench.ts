import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedger } from '../infrastructure/create-ledger.js';
import type { Message } from '../domain/message.js';
import type { Ledger } from '../application/api/ledger.js';
import type { DeviceView } from '../application/api/device-view.js';

export interface IngestFigures {
  readonly store: string;
  readonly sequentialPerSecond: number;
  readonly inFlight64PerSecond: number;
}

/** Incoming messages spread over 200 accounts and 50 peers each, as receiveMessage commands. */
export function messages(n: number, tag: string): Message[] {
  return Array.from({ length: n }, (_, i) => ({
    scene: 'p2p', from: `peer${i % 50}`, to: `acct${i % 200}`, idClient: `${tag}-${i}`, type: 'text', text: 'hello', time: 1_700_000_000_000 + i,
  }));
}

async function measure(store: string, n: number): Promise<IngestFigures> {
  const ledger = await createLedger({ store, clock: () => 1_700_000_000_000 });
  try {
    const view = await accountViews(ledger);
    const seq = messages(n, 'seq');
    let t = performance.now();
    for (const m of seq) await view(m.to).receiveMessage(m);
    const sequentialPerSecond = n / ((performance.now() - t) / 1000);
    const par = messages(n, 'par');
    t = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < par.length) {
        const m = par[next++]!;
        await view(m.to).receiveMessage(m);
      }
    }));
    const inFlight64PerSecond = n / ((performance.now() - t) / 1000);
    return { store: store.startsWith('sqlite') ? 'sqlite' : store, sequentialPerSecond, inFlight64PerSecond };
  } finally {
    await ledger.close();
  }
}

/** One device view per account, opened on first use; the 200 accounts of `messages` are ready. */
export async function accountViews(ledger: Ledger): Promise<(account: string) => DeviceView> {
  const views = new Map<string, DeviceView>();
  const view = (account: string) => {
    let v = views.get(account);
    if (!v) views.set(account, (v = ledger.account(account)));
    return v;
  };
  await Promise.all(Array.from({ length: 200 }, (_, i) => view(`acct${i}`).ready));
  return view;
}

/** µs per message into ONE session, early and late: the cost must not grow with the session. */
async function oneSession(total: number): Promise<{ earlyMicros: number; lateMicros: number }> {
  const ledger = await createLedger({ store: 'memory', clock: () => 1_700_000_000_000 });
  try {
    const view = ledger.account('big');
    const slice = Math.floor(total / 4);
    const timeSlice = async (from: number) => {
      const t = performance.now();
      for (let i = from; i < from + slice; i++) {
        await view.receiveMessage({ scene: 'p2p', from: 'peer', to: 'big', idClient: `m${i}`, type: 'text', time: 1_700_000_000_000 + i });
      }
      return ((performance.now() - t) * 1000) / slice;
    };
    const earlyMicros = await timeSlice(0);
    for (let i = slice; i < total - slice; i += slice) await timeSlice(i);
    return { earlyMicros, lateMicros: await timeSlice(total - slice) };
  } finally {
    await ledger.close();
  }
}

/** sqlite ingest, with the memory store measured in the same run as the baseline. */
export async function run(n = 4000): Promise<{ memory: IngestFigures; sqlite: IngestFigures; oneSession: { earlyMicros: number; lateMicros: number } }> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
  try {
    const memory = await measure('memory', n);
    const sqlite = await measure(`sqlite:${join(dir, 'bench.sqlite')}`, n);
    return { memory, sqlite, oneSession: await oneSession(20_000) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { memory, sqlite } = await run(Number(process.argv[2] ?? 4000));
  for (const f of [memory, sqlite]) {
    console.log(`${f.store.padEnd(7)} sequential ${f.sequentialPerSecond.toFixed(0)} msg/s, 64 in flight ${f.inFlight64PerSecond.toFixed(0)} msg/s`);
  }
  console.log(`sqlite/memory ratio: sequential ${(sqlite.sequentialPerSecond / memory.sequentialPerSecond).toFixed(2)}, 64 in flight ${(sqlite.inFlight64PerSecond / memory.inFlight64PerSecond).toFixed(2)}`);
}
