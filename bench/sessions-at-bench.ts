/**
 * S10.3: `sessionsAt` for one small account, on a small log and on a log grown by other accounts
 * (sqlite). Its cost should follow the account's history, not the log: the two rates should match.
 * `node dist/bench/sessions-at-bench.js [others] [calls]` (defaults 20000 and 2000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLedger } from '../infrastructure/create-ledger.js';

export interface SessionsAtFigures {
  readonly accountEvents: number;
  readonly smallLogPerSecond: number;
  readonly grownLogEvents: number;
  readonly grownLogPerSecond: number;
}

export async function run(others = 20_000, calls = 2_000): Promise<SessionsAtFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-at-bench-'));
  const clock = { now: 1_000 };
  const ledger = await createLedger({ store: `sqlite:${join(dir, 'ledger.sqlite')}`, clock: () => clock.now });
  try {
    const alice = ledger.account('alice');
    for (let i = 0; i < 20; i++) await alice.receiveMessage({ scene: 'p2p', from: `peer${i % 4}`, to: 'alice', idClient: `a${i}`, type: 'text', text: 'hi', time: 100 + i });
    const accountEvents = await readCount(ledger, 'alice');
    const rate = async () => {
      const started = performance.now();
      for (let i = 0; i < calls; i++) await ledger.sessionsAt({ account: 'alice', at: clock.now });
      return calls / ((performance.now() - started) / 1000);
    };
    const smallLogPerSecond = await rate();
    const views = Array.from({ length: 200 }, (_, a) => ledger.account(`user${a}`));
    for (let sent = 0; sent < others; sent += 64) {
      await Promise.all(Array.from({ length: Math.min(64, others - sent) }, (_, k) => {
        const n = sent + k;
        return views[n % views.length]!.receiveMessage({ scene: 'p2p', from: `peer${n % 7}`, to: `user${n % views.length}`, idClient: `o${n}`, type: 'text', text: 'hi', time: 1_000 + n });
      }));
    }
    const grownLogEvents = Number(ledger.position()) + 1;
    return { accountEvents, smallLogPerSecond, grownLogEvents, grownLogPerSecond: await rate() };
  } finally {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function readCount(ledger: Awaited<ReturnType<typeof createLedger>>, account: string): Promise<number> {
  let events = 0;
  for (const session of ledger.reader.allSessions(account, 'default')) events += (await ledger.history({ account, sessionId: session.id })).length;
  return events;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [others, calls] = process.argv.slice(2).map(Number);
  const f = await run(others || undefined, calls || undefined);
  console.log(`sessionsAt (sqlite), one account of ${f.accountEvents} events:`);
  console.log(`  log of ${f.accountEvents}+ events: ${f.smallLogPerSecond.toFixed(0)} calls/s`);
  console.log(`  log of ${f.grownLogEvents} events: ${f.grownLogPerSecond.toFixed(0)} calls/s (grown/small ${(f.grownLogPerSecond / f.smallLogPerSecond).toFixed(2)})`);
}
