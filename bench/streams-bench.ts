/**
 * Routing throughput and idle-handler memory of the message streams (STREAMS.md).
 * Run: npx tsc -p tsconfig.json && node --expose-gc dist/bench/streams-bench.js [runs]
 * With `runs` (default 1) it repeats the whole measure and prints each figure's median, with the
 * floor (bare RxJS fan-out with a Map lookup, bench/baselines.ts) measured in the same run.
 */
import { pathToFileURL } from 'node:url';
import { Subject } from 'rxjs';
import type { Message } from '../domain/message.js';
import { SessionEngine, type IncomingMessage } from '../application/streams/index.js';
import { rxjsFanOut } from './baselines.js';

export interface StreamsBenchOptions {
  /** live idle handlers, each waiting in get(); default 10,000 */
  readonly handlers?: number;
  /** messages routed per measured loop; default 100,000 */
  readonly messages?: number;
}

export interface LoopFigures {
  readonly messages: number;
  readonly ms: number;
  readonly messagesPerSecond: number;
}

export interface StreamsBenchResult {
  readonly handlers: number;
  /** the loop on an engine with no handler: routing only */
  readonly baseline: LoopFigures;
  /** the loop with `handlers` idle handlers, every message delivered to one of them and read */
  readonly delivered: LoopFigures;
  /** the loop with `handlers` idle handlers alive, messages for ids nobody handles */
  readonly unrelated: LoopFigures;
  /** baseline rate / delivered rate */
  readonly deliveredSlowdown: number;
  /** baseline rate / unrelated rate: what live handlers cost everyone else */
  readonly unrelatedSlowdown: number;
  /** heap growth per idle handler (its stream, context, pending get and handler frame) */
  readonly bytesPerIdleHandler: number;
  /** ms to start all handlers */
  readonly startMs: number;
  /** false without --expose-gc: the memory figure is then noisy */
  readonly gcExposed: boolean;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function message(from: string, text: string, n: number): Message {
  return { scene: 'p2p', from, to: 'bot', idClient: `b${n}`, type: 'text', text, time: 1_700_000_000_000 + n };
}

function figures(messages: number, ms: number): LoopFigures {
  return { messages, ms: Math.round(ms * 10) / 10, messagesPerSecond: Math.round(messages / (ms / 1000)) };
}

/** The measured loop: the same for every phase, only the engine behind it differs. */
function sendAll(source: Subject<IncomingMessage>, batch: readonly IncomingMessage[]): void {
  for (const incoming of batch) source.next(incoming);
}

function batchOf(count: number, senders: number, prefix: string): IncomingMessage[] {
  return Array.from({ length: count }, (_, n) => ({ message: message(`${prefix}${n % senders}`, 'hi', n), account: 'bot' }));
}

async function baselineLoop(batch: readonly IncomingMessage[]): Promise<LoopFigures> {
  const source = new Subject<IncomingMessage>();
  const engine = new SessionEngine({ source$: source });
  engine.useSession(({ message }) => message.text === 'start')(async (ctx) => {
    for (;;) await ctx.get();
  });
  const started = performance.now();
  sendAll(source, batch);
  await engine.whenIdle();
  const ms = performance.now() - started;
  engine.close();
  return figures(batch.length, ms);
}

export async function run(options: StreamsBenchOptions = {}): Promise<StreamsBenchResult> {
  const handlers = options.handlers ?? 10_000;
  const messages = options.messages ?? 100_000;
  const deliveredBatch = batchOf(messages, handlers, 'user');
  const unrelatedBatch = batchOf(messages, handlers, 'stranger');

  await baselineLoop(batchOf(Math.min(messages, 20_000), handlers, 'warm'));
  const baseline = await baselineLoop(unrelatedBatch);

  const source = new Subject<IncomingMessage>();
  const engine = new SessionEngine({ source$: source });
  let delivered = 0;
  let target = Infinity;
  let allDelivered: () => void = () => undefined;
  engine.useSession(({ message }) => message.text === 'start')(async (ctx) => {
    for (;;) {
      await ctx.get();
      if (++delivered === target) allDelivered();
    }
  });

  const before = heapUsed();
  const startedAt = performance.now();
  for (let n = 0; n < handlers; n++) source.next({ message: message(`user${n}`, 'start', n), account: 'bot' });
  const startMs = performance.now() - startedAt;
  const stats = engine.stats();
  if (stats.handlers !== handlers || stats.pendingGets !== handlers) {
    throw new Error(`bench setup: expected ${handlers} idle handlers, got ${JSON.stringify(stats)}`);
  }
  const bytesPerIdleHandler = Math.round((heapUsed() - before) / handlers);

  let started = performance.now();
  sendAll(source, unrelatedBatch);
  const unrelated = figures(messages, performance.now() - started);

  const done = new Promise<void>((resolve) => (allDelivered = resolve));
  target = messages;
  started = performance.now();
  sendAll(source, deliveredBatch);
  await done;
  const deliveredFigures = figures(messages, performance.now() - started);

  engine.close();
  await engine.whenIdle();
  return {
    handlers,
    baseline,
    delivered: deliveredFigures,
    unrelated,
    deliveredSlowdown: Math.round((baseline.messagesPerSecond / deliveredFigures.messagesPerSecond) * 100) / 100,
    unrelatedSlowdown: Math.round((baseline.messagesPerSecond / unrelated.messagesPerSecond) * 100) / 100,
    bytesPerIdleHandler,
    startMs: Math.round(startMs),
    gcExposed: gc !== undefined,
  };
}

interface Measured {
  readonly result: StreamsBenchResult;
  /** the floor's rate and memory, measured right after the engine in the same process */
  readonly floorPerSecond: number;
  readonly floorBytes: number;
}

async function measure(): Promise<Measured> {
  const result = await run();
  const floor = rxjsFanOut(result.handlers, result.delivered.messages);
  return { result, floorPerSecond: Math.round(floor.rate.perSecond), floorBytes: Math.round(floor.bytesPerSubscriber) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function print(result: StreamsBenchResult): void {
  const rate = (f: LoopFigures) => `${f.messagesPerSecond.toLocaleString('en-US')} msg/s (${f.messages} in ${f.ms} ms)`;
  console.log(`streams bench, ${result.handlers} idle handlers`);
  console.log(`  baseline (0 handlers):              ${rate(result.baseline)}`);
  console.log(`  unrelated ids, handlers alive:      ${rate(result.unrelated)}  x${result.unrelatedSlowdown} slower`);
  console.log(`  delivered to idle handlers, read:   ${rate(result.delivered)}  x${result.deliveredSlowdown} slower`);
  console.log(`  memory per idle handler:            ${result.bytesPerIdleHandler} bytes${result.gcExposed ? '' : ' (no --expose-gc: noisy)'}`);
  console.log(`  starting ${result.handlers} handlers:           ${result.startMs} ms`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = Math.max(1, Math.min(9, Number(process.argv[2] ?? 1) || 1));
  (async () => {
    const all: Measured[] = [];
    for (let i = 0; i < runs; i++) {
      const m = await measure();
      print(m.result);
      const ratio = m.result.delivered.messagesPerSecond / m.floorPerSecond;
      console.log(`  floor (RxJS fan-out + Map):          ${m.floorPerSecond.toLocaleString('en-US')} msg/s, ${m.floorBytes} B/subscriber; ratio ${ratio.toFixed(3)}`);
      all.push(m);
    }
    if (runs > 1) {
      const of = (f: (m: Measured) => number) => median(all.map(f));
      const ratios = all.map((m) => m.result.delivered.messagesPerSecond / m.floorPerSecond);
      console.log(`medians of ${runs}: delivered ${of((m) => m.result.delivered.messagesPerSecond).toLocaleString('en-US')} msg/s, ` +
        `unrelated ${of((m) => m.result.unrelated.messagesPerSecond).toLocaleString('en-US')} msg/s, ` +
        `baseline ${of((m) => m.result.baseline.messagesPerSecond).toLocaleString('en-US')} msg/s, ` +
        `${of((m) => m.result.bytesPerIdleHandler)} B/handler; floor ${of((m) => m.floorPerSecond).toLocaleString('en-US')} msg/s, ` +
        `${of((m) => m.floorBytes)} B/subscriber; same-run ratio ${median(ratios).toFixed(3)}`);
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
