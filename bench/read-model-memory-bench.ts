/**
 * Read-model memory (issue "Speed", the row "read models: ≤ 1 KiB/session, flat in messages"): heap
 * bytes per session and per further message of one account of `sessions` p2p sessions, each with
 * one incoming message, then `further` more messages per session.
 * - in-process read models: the session-list models alone, folded from the log into a fresh
 *   projection (what the memory and EventStoreDB stores keep);
 * - sqlite tables' cache: one account loaded from the tables by a second ledger's first query (what
 *   the account cache keeps of it; PostgreSQL's cache loads the same models from its rows);
 * - whole process on each store: a writing ledger's heap growth (read models, the write side's
 *   stream cache and key logs, the tables' kept row bodies).
 * Run with --expose-gc: `node --expose-gc dist/bench/read-model-memory-bench.js [sessions] [further] [--models]`
 * (`--models`: the read models alone, without the whole-process figures)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLedger, type Ledger } from '../index.js';
import type { EventStore, RecordedEvent } from '../application/ports/event-store.js';
import { applyRecorded } from '../application/read/event-log.js';
import { SessionListProjection } from '../projections/session-list/projection.js';
import type { Message } from '../domain/message.js';
import { heapUsed } from './baselines.js';

const T0 = 1_700_000_000_000;
const ACCOUNT = 'big';

export interface MemoryFigure {
  readonly what: string;
  readonly perSession: number;
  /** bytes per further message (0: flat) */
  readonly perMessage: number;
}

export interface MemoryFigures {
  readonly sessions: number;
  readonly further: number;
  readonly figures: readonly MemoryFigure[];
  readonly gcExposed: boolean;
}

const first = (i: number): Message => ({ scene: 'p2p', from: `p${i}`, to: ACCOUNT, idClient: `a${i}`, type: 'text', text: 'hi', time: T0 + i });
const later = (sessions: number, k: number, i: number): Message => ({ scene: 'p2p', from: `p${i}`, to: ACCOUNT, idClient: `b${k}-${i}`, type: 'text', text: 'hi', time: T0 + 100_000 + k * sessions + i });

/** One round of messages, one per session; the heap after it. */
async function round(ledger: Ledger, sessions: number, message: (i: number) => Message): Promise<number> {
  const view = ledger.account(ACCOUNT);
  await view.ready;
  for (let i = 0; i < sessions; i++) await view.receiveMessage(message(i));
  return heapUsed();
}

/** A writing ledger's heap: after the sessions, then after `further` rounds. */
async function wholeProcess(store: string, sessions: number, further: number): Promise<{ figure: MemoryFigure; events: RecordedEvent[] }> {
  const ledger = await createLedger({ store, clock: () => T0 });
  await ledger.account(ACCOUNT).ready;
  const before = heapUsed();
  const afterSessions = await round(ledger, sessions, first);
  let afterMessages = afterSessions;
  for (let k = 0; k < further; k++) afterMessages = await round(ledger, sessions, (i) => later(sessions, k, i));
  const events = store === 'memory' ? await (ledger as unknown as { store: EventStore }).store.readAll() : [];
  await ledger.close();
  const what = `whole process, ${store.startsWith('sqlite') ? 'sqlite' : store} store (read models and write-side caches)`;
  return { figure: { what, perSession: (afterSessions - before) / sessions, perMessage: (afterMessages - afterSessions) / (sessions * Math.max(1, further)) }, events };
}

/** The in-process models alone: the log folded into a fresh projection, the heap measured after the sessions and after the rest. */
function inProcess(events: readonly RecordedEvent[], sessions: number, further: number): MemoryFigure {
  // the sessions' first messages come right after the device's registration
  const split = events.findIndex((e) => e.type === 'MessageReceived') + sessions;
  const before = heapUsed();
  const projection = new SessionListProjection();
  for (let i = 0; i < split; i++) applyRecorded(projection, events[i]!);
  const afterSessions = heapUsed();
  for (let i = split; i < events.length; i++) applyRecorded(projection, events[i]!);
  const afterMessages = heapUsed();
  if (projection.reader.listSessions(ACCOUNT, 'default', { limit: 1 }).length !== 1) throw new Error('the folded account has no sessions');
  return { what: 'in-process read models (memory, EventStoreDB)', perSession: (afterSessions - before) / sessions, perMessage: (afterMessages - afterSessions) / (sessions * Math.max(1, further)) };
}

/** The heap one account takes in a second ledger's cache once its first query loaded it from the tables. */
async function cachedAccount(store: string): Promise<number> {
  const ledger = await createLedger({ store, clock: () => T0 });
  const before = heapUsed();
  const page = await ledger.reader.listSessions(ACCOUNT, 'default', { limit: 1 });
  const after = heapUsed();
  if (page.length !== 1) throw new Error('the loaded account has no sessions');
  await ledger.close();
  return after - before;
}

/** sqlite: the account's cache after the sessions, then after the further messages. */
async function sqliteCache(dir: string, sessions: number, further: number): Promise<MemoryFigure> {
  const store = `sqlite:${join(dir, 'cache.sqlite')}`;
  const writer = await createLedger({ store, clock: () => T0 });
  await round(writer, sessions, first);
  await writer.close();
  const afterSessions = await cachedAccount(store);
  const again = await createLedger({ store, clock: () => T0 });
  for (let k = 0; k < further; k++) await round(again, sessions, (i) => later(sessions, k, i));
  await again.close();
  const afterMessages = await cachedAccount(store);
  return { what: 'sqlite tables: one account in the cache (loaded from its rows; PostgreSQL loads the same models)', perSession: afterSessions / sessions, perMessage: (afterMessages - afterSessions) / (sessions * Math.max(1, further)) };
}

/** `wholeProcess: false` measures the read models alone (the in-process models and the sqlite cache). */
export async function run(sessions = 10_000, further = 5, options: { wholeProcess?: boolean } = {}): Promise<MemoryFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-rm-memory-'));
  try {
    const memory = await wholeProcess('memory', sessions, further);
    const figures = [inProcess(memory.events, sessions, further), await sqliteCache(dir, sessions, further)];
    if (options.wholeProcess !== false) {
      figures.push(memory.figure, (await wholeProcess(`sqlite:${join(dir, 'whole.sqlite')}`, sessions, further)).figure);
    }
    return { sessions, further, figures, gcExposed: typeof gc === 'function' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function format(r: MemoryFigures): string[] {
  const lines = [`read-model memory: one account of ${r.sessions.toLocaleString('en-US')} sessions, then ${r.further} further messages each (target ≤ 1 KiB/session, flat in messages)${r.gcExposed ? '' : ' (run with --expose-gc for stable figures)'}`];
  for (const f of r.figures) lines.push(`  ${f.what}: ${Math.round(f.perSession).toLocaleString('en-US')} B/session, +${Math.round(f.perMessage)} B per further message`);
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const whole = !process.argv.includes('--models');
  const [sessions, further] = process.argv.slice(2).filter((a) => !a.startsWith('--')).map(Number);
  console.log(format(await run(sessions ?? 10_000, further ?? 5, { wholeProcess: whole })).join('\n'));
}
