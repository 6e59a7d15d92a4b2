/**
 * Issue 9 "Done when": the esdb demo runs 100,000 events on the test server without a refused
 * write. Starts the wire-compatible EventStoreDB test server (test/esdb-server, which enforces the
 * real server's default limits), opens a ledger on it as `session-ledger demo --store esdb://…`
 * does, and runs the demo workload in rounds until the log holds `--events` ledger events (or
 * `--max-seconds` pass). Prints events, wall time, refused appends, failed rounds and heap.
 * Run: npx tsc -p tsconfig.json && node --expose-gc dist/bench/esdb-demo-bench.js [--events 100000] [--max-seconds 900]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createLedger } from '../infrastructure/create-ledger.js';
import { runDemo } from '../infrastructure/cli/demo-workload.js';
import { isLedgerEvent } from '../infrastructure/store/esdb/esdb-events.js';
import { startTestServer, type TestServer } from '../test/esdb-server/server.js';
import { heapUsed } from './baselines.js';

export interface DemoFigures {
  readonly events: number;
  readonly commands: number;
  readonly seconds: number;
  readonly refusedAppends: number;
  /** the first error a round failed with, if one did (the run stops there) */
  readonly failure?: string;
  readonly heapBytes: number;
  readonly maxRssBytes: number;
}

function ledgerEvents(server: TestServer): number {
  let n = 0;
  for (const e of server.data.log) if (isLedgerEvent({ streamName: e.streamName, type: e.type })) n++;
  return n;
}

/** The demo workload (300 accounts, seed 7, as `npm start`) in rounds of `messagesPerRound` until `events` are recorded. */
export async function run(options: { events: number; maxSeconds: number; messagesPerRound?: number }): Promise<DemoFigures> {
  const server = await startTestServer();
  const ledger = await createLedger({ store: server.url });
  const started = performance.now();
  let commands = 0;
  let failure: string | undefined;
  try {
    for (let round = 0; ledgerEvents(server) < options.events && performance.now() - started < options.maxSeconds * 1000; round++) {
      try {
        const done = await runDemo(ledger, { accounts: 300, messages: options.messagesPerRound ?? 2_000, seed: 7 + round, runId: `r${round}`, now: Date.now });
        commands += done.commands;
      } catch (error) {
        failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        break;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    return { events: ledgerEvents(server), commands, seconds, refusedAppends: server.refusedAppends, ...(failure !== undefined && { failure }), heapBytes: heapUsed(), maxRssBytes: process.resourceUsage().maxRSS * 1024 };
  } finally {
    await ledger.close();
    await server.close();
  }
}

export function format(f: DemoFigures): string {
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
  return `esdb demo on the test server: ${f.events.toLocaleString('en-US')} events (${f.commands.toLocaleString('en-US')} commands) in ${f.seconds.toFixed(1)} s `
    + `(${Math.round(f.events / f.seconds)} events/s), refused appends ${f.refusedAppends}, ${f.failure === undefined ? 'no failed command' : `stopped by: ${f.failure}`}; `
    + `heap after the run ${mb(f.heapBytes)}, peak RSS ${mb(f.maxRssBytes)}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { events: { type: 'string' }, 'max-seconds': { type: 'string' } } });
  const figures = await run({ events: Number(values.events ?? 100_000), maxSeconds: Number(values['max-seconds'] ?? 900) });
  console.log(format(figures));
  process.exitCode = figures.failure === undefined && figures.refusedAppends === 0 ? 0 : 1;
}
