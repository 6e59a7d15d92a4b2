/**
 * `npm run bench`: every benchmark, each against a baseline measured in the same run.
 * Record results in bench/RESULTS.md with the machine and this command.
 */
import { cpus, totalmem } from 'node:os';
import { run as ingest } from './ingest-bench.js';
import { format, run as lag } from './projection-lag-bench.js';
import { run as streams } from './streams-bench.js';
import { run as runLimits, table as limitsTable } from './limits-bench.js';
import { format as formatPostgres, run as postgresIngest } from './postgres-ingest-bench.js';
import { format as formatReadModels, run as readModels } from './read-model-bench.js';
import { format as formatPgReadModels, run as pgReadModels } from './pg-read-model-bench.js';
import { format as formatEsdbDemo, run as esdbDemo } from './esdb-demo-bench.js';
import { format as formatMemory, run as readModelMemory } from './read-model-memory-bench.js';
import { record } from './plot.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ratio = (a: number, b: number) => (a / b).toFixed(2);

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`);

const i = await ingest(4000);
console.log('ingest (receiveMessage, 200 accounts; memory store is the baseline)');
for (const f of [i.memory, i.sqlite]) console.log(`  ${f.store.padEnd(7)} sequential ${f.sequentialPerSecond.toFixed(0)} msg/s, 64 in flight ${f.inFlight64PerSecond.toFixed(0)} msg/s`);
console.log(`  sqlite/memory: sequential ${ratio(i.sqlite.sequentialPerSecond, i.memory.sequentialPerSecond)}, 64 in flight ${ratio(i.sqlite.inFlight64PerSecond, i.memory.inFlight64PerSecond)}`);
console.log(`  one session of 20,000 messages (memory): first 5,000 ${i.oneSession.earlyMicros.toFixed(0)} µs/msg, last 5,000 ${i.oneSession.lateMicros.toFixed(0)} µs/msg (late/early ${ratio(i.oneSession.lateMicros, i.oneSession.earlyMicros)})\n`);

const l = await lag(2000);
console.log('append and projection lag (sqlite is the baseline)');
console.log(`  ${format(l.sqlite)}\n  ${format(l.esdb)}`);
console.log(`  esdb/sqlite: sequential ${ratio(l.esdb.sequentialPerSecond, l.sqlite.sequentialPerSecond)}, 64 in flight ${ratio(l.esdb.inFlight64PerSecond, l.sqlite.inFlight64PerSecond)}\n`);

const s = await streams({});
console.log('message streams (an engine with no handlers is the baseline)');
console.log(`  ${s.handlers} idle handlers: delivered ${s.delivered.messagesPerSecond.toFixed(0)} msg/s (${s.deliveredSlowdown.toFixed(1)}× slower than baseline ${s.baseline.messagesPerSecond.toFixed(0)} msg/s)`);
console.log(`  unrelated traffic with them alive: ${s.unrelated.messagesPerSecond.toFixed(0)} msg/s (${s.unrelatedSlowdown.toFixed(1)}× slower)`);
console.log(`  memory per idle handler: ${s.bytesPerIdleHandler.toFixed(0)} bytes${s.gcExposed ? '' : ' (run with --expose-gc for a stable figure)'}; starting them took ${s.startMs.toFixed(0)} ms`);

console.log(`\n${formatPostgres(await postgresIngest(2000)).join('\n')}`);

// stores of 100k and 1M events, written once under /tmp/session-ledger-bench (BENCH_READ_MODEL_EVENTS overrides the sizes)
const readModelSizes = (process.env['BENCH_READ_MODEL_EVENTS'] ?? '100000,1000000').split(',').map(Number);
console.log(`\n${formatReadModels(await readModels(readModelSizes)).join('\n')}`);
console.log(`\n${formatPgReadModels(await pgReadModels(10_000)).join('\n')}`);
console.log(`\n${formatMemory(await readModelMemory(10_000, 5)).join('\n')}`);

// issue 9: the demo on the EventStoreDB test server (its real limits) without a refused write; the 100,000-event run: dist/bench/esdb-demo-bench.js
console.log(`\n${formatEsdbDemo(await esdbDemo({ events: Number(process.env['BENCH_ESDB_DEMO_EVENTS'] ?? 20_000), maxSeconds: 60 }))}`);

const limits = await runLimits({ replay: Number(process.env['BENCH_REPLAY_EVENTS'] ?? 100_000) });
console.log('\nevery hot path against its floor (issue "Speed"; each baseline measured in this run)');
console.log(limitsTable(limits));
if (process.argv.includes('--record')) {
  const ratios: Record<string, number> = {};
  for (const row of limits) if (row.ratio !== undefined) ratios[row.path.replace(/[\d,]+ events/, 'N events')] = Number(row.ratio.toFixed(3));
  const here = fileURLToPath(new URL('../../bench/', import.meta.url));
  record(join(here, 'history.json'), join(here, 'ratios.svg'), { date: new Date().toISOString().slice(0, 10), ratios });
  console.log('recorded in bench/history.json and bench/ratios.svg');
}
