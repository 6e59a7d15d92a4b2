import type { Decider } from '../../domain/decider.js';
import { DomainRejection } from '../../domain/errors.js';
import { SCHEMA_VERSION, type EventMetadata } from '../../domain/events.js';
import type { CommandMeta } from './command-meta.js';
import { ConcurrencyError, CommandRejectedError, IdempotencyConflictError } from '../errors.js';
import { Lanes } from './lanes.js';
import { nameBasedIds } from './ids.js';
import { appendsFor } from './append-split.js';
import { WrongExpectedVersionError, type AppendResult, type EventStore, type EventToAppend, type Position } from '../ports/event-store.js';

type Event = { readonly type: string; readonly data: unknown };

/** One step of a command on one stream. */
export interface CommandStep<C, E extends Event, S> {
  readonly stream: string;
  readonly decider: Decider<C, E, S>;
  readonly command: C;
  readonly meta: CommandMeta;
}

export interface StepResult<E> {
  /** the events this step appended, or, for a command dispatched again, those it appended the first time */
  readonly events: readonly E[];
  /** position of the last appended event, undefined when nothing was appended now */
  readonly position: Position | undefined;
}

interface Cached {
  state: unknown;
  revision: bigint | undefined;
  /** idempotency key → the events appended under it (message-only steps are left out: the state drops their duplicates) */
  readonly applied: Map<string, readonly Event[]>;
  /** idempotency key → the digest of the command body that used it (S10.2), message steps included */
  readonly bodies: Map<string, string>;
}

// A fixed namespace: the same input always yields the same key and event ids, in every process.
const uuidv5 = nameBasedIds('6f1c6f0e-3b8e-5f54-9a41-2d5c7c1f0b7a');
const MAX_ATTEMPTS = 12;
const CACHE_LIMIT = 20_000;
const MESSAGE_EVENTS = new Set(['MessageReceived', 'MessageSent']);

/** One key per (command, stream, step): command ids need only be unique per account, device and command type. */
function idempotencyKey(meta: CommandMeta, stream: string, step: string): string {
  return uuidv5(JSON.stringify([meta.account, meta.device, meta.commandType, meta.commandId, stream, step]));
}

/** One key per named command: a reused commandId is told apart from a retry by its body. */
function commandKey(meta: CommandMeta): string {
  return JSON.stringify([meta.account, meta.device, meta.commandType, meta.commandId]);
}

/** The step's first event takes the key itself as its id (one hash per step); the others derive theirs from it. */
function eventId(key: string, index: number): string {
  return index === 0 ? key : uuidv5(`${key}\n${index}`);
}

function remember(applied: Map<string, readonly Event[]>, key: unknown, events: readonly Event[]): void {
  if (typeof key !== 'string' || events.every((e) => MESSAGE_EVENTS.has(e.type))) return;
  applied.set(key, [...(applied.get(key) ?? []), ...events]);
}

/**
 * How the handler waits between attempts after a conflict (S10.4): full jitter over an
 * exponential ceiling, so that two processes writing one hot stream stop colliding in lockstep.
 * The wait before attempt n+1 is `random() × min(maxDelayMs, baseDelayMs × 2^(n-1))`.
 */
export interface RetryPolicy {
  /** attempts in all, the first included (default 12) */
  readonly maxAttempts?: number;
  /** the ceiling of the first wait, in ms (default 2) */
  readonly baseDelayMs?: number;
  /** no wait is longer (default 250 ms); the worst case in all is about 1.3 s */
  readonly maxDelayMs?: number;
  /** waits `ms`; tests pass one that resolves at once and records the delays */
  readonly sleep?: (ms: number) => Promise<void>;
  /** a number in [0, 1); default Math.random */
  readonly random?: () => number;
}

const DEFAULT_BASE_DELAY_MS = 2;
const DEFAULT_MAX_DELAY_MS = 250;

function sleepFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The wait after the `failed`-th conflict in a row: full jitter under a doubling ceiling. */
export function backoffDelay(failed: number, policy: RetryPolicy = {}): number {
  const base = policy.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const ceiling = Math.min(policy.maxDelayMs ?? DEFAULT_MAX_DELAY_MS, base * 2 ** Math.max(0, failed - 1));
  return (policy.random ?? Math.random)() * ceiling;
}

/**
 * The one command handler: cached or loaded state → decide → append with the revision read →
 * retry on conflict, after a jittered, growing wait (RetryPolicy). Steps on one stream run one
 * after another in this process (a lane per stream), so conflicts only come from other processes.
 * New events are folded once, into the cache.
 */
export class CommandHandler {
  private readonly cache = new Map<string, Cached>();
  private readonly lanes = new Lanes();
  private readonly maxAttempts: number;
  /** named commands this process ran → their body digest: a reuse is refused before any step appends */
  private readonly bodies = new Map<string, string>();

  constructor(private readonly store: EventStore, private readonly retry: RetryPolicy = {}) {
    this.maxAttempts = retry.maxAttempts ?? MAX_ATTEMPTS;
  }

  handle<C, E extends Event, S>(step: CommandStep<C, E, S>): Promise<StepResult<E>> {
    return this.lanes.run(step.stream, () => this.attempt(step));
  }

  private async attempt<C, E extends Event, S>({ stream, decider, command, meta }: CommandStep<C, E, S>): Promise<StepResult<E>> {
    // the step is named by the decider command's type: one key per (command, stream, step)
    const key = idempotencyKey(meta, stream, (command as { type: string }).type);
    const named = meta.commandBody === undefined ? undefined : commandKey(meta);
    if (named !== undefined) this.checkBody(meta, this.bodies.get(named));
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      // a conflict came before this attempt: wait, so the writers that collided spread out
      if (attempt > 1) await (this.retry.sleep ?? sleepFor)(backoffDelay(attempt - 1, this.retry));
      // a cached stream is read without an await (most commands)
      const hit = this.cache.get(stream);
      const { entry, cached } = hit ? { entry: hit, cached: true } : await this.load(stream, decider);
      this.checkBody(meta, entry.bodies.get(key));
      // Dispatching a command again with the same commandId never doubles its effect (S10.2).
      const before = entry.applied.get(key);
      if (before) return this.ran(meta, named, { events: before as readonly E[], position: undefined });
      const decision = decider.decide(command, entry.state as S);
      const appendsNothing = decision instanceof DomainRejection || decision.length === 0;
      // Appending checks the revision; deciding nothing (or refusing) on cached state must check it
      // here, or another process's writes would go unnoticed (S10.5).
      if (appendsNothing && cached && (await this.lastRevision(stream)) !== entry.revision) {
        this.cache.delete(stream);
        continue;
      }
      if (decision instanceof DomainRejection) throw new CommandRejectedError(decision.code, decision.message);
      if (decision.length === 0) return this.ran(meta, named, { events: decision, position: undefined });
      const metadata = { ...meta, schemaVersion: SCHEMA_VERSION, idempotencyKey: key } satisfies EventMetadata;
      // each event its own metadata object; the first takes the one just built
      const toAppend: EventToAppend[] = decision.map((e, i) => ({ id: eventId(key, i), type: e.type, data: e.data, metadata: i === 0 ? metadata : { ...metadata } }));
      const appends = appendsFor(meta.commandType, toAppend, Buffer.byteLength(JSON.stringify(metadata)));
      try {
        const result = appends.length === 1
          ? await this.store.appendToStream(stream, toAppend, { expectedRevision: entry.revision ?? 'no_stream' })
          : await this.appendSplit(stream, appends, key, entry.revision);
        let state = entry.state as S;
        for (const e of decision) state = decider.evolve(state, e);
        remember(entry.applied, key, decision);
        if (meta.commandBody !== undefined) entry.bodies.set(key, meta.commandBody);
        entry.state = state;
        entry.revision = result.nextExpectedRevision;
        this.keep(stream, entry);
        return this.ran(meta, named, { events: decision, position: result.position });
      } catch (error) {
        this.cache.delete(stream);
        if (!(error instanceof WrongExpectedVersionError)) throw error;
      }
    }
    throw new ConcurrencyError(stream, this.maxAttempts);
  }

  /**
   * Issue 9: a step too big for one append, in several chained by revision. Each event is marked
   * with its append and their number, and its id derives from the revision the step started at,
   * so a retry after a crash between two appends writes new ids, never the ones written before.
   */
  private async appendSplit(stream: string, appends: readonly EventToAppend[][], key: string, revision: bigint | undefined): Promise<AppendResult> {
    const seed = uuidv5(`${key}\n@${revision ?? 'no_stream'}`);
    let expected: bigint | 'no_stream' = revision ?? 'no_stream';
    let index = 0;
    let result: AppendResult | undefined;
    for (const [part, events] of appends.entries()) {
      const marked = events.map((e) => ({ ...e, id: eventId(seed, index++), metadata: { ...(e.metadata as object), split: [part, appends.length] } }));
      result = await this.store.appendToStream(stream, marked, { expectedRevision: expected });
      expected = result.nextExpectedRevision;
    }
    return result!;
  }

  /** S10.2: a commandId seen before with another body is another command reusing it. */
  private checkBody(meta: CommandMeta, seen: string | undefined): void {
    if (meta.commandBody !== undefined && seen !== undefined && seen !== meta.commandBody) {
      throw new IdempotencyConflictError(meta.commandId, meta.commandType);
    }
  }

  /** Remembers a named command's body once one of its steps went through (bounded, oldest out first). */
  private ran<T>(meta: CommandMeta, named: string | undefined, result: T): T {
    if (meta.commandBody === undefined || named === undefined) return result;
    this.bodies.delete(named);
    this.bodies.set(named, meta.commandBody);
    if (this.bodies.size > CACHE_LIMIT) this.bodies.delete(this.bodies.keys().next().value!);
    return result;
  }

  private async lastRevision(stream: string): Promise<bigint | undefined> {
    const [last] = await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    return last?.revision;
  }

  private async load<C, E extends Event, S>(stream: string, decider: Decider<C, E, S>): Promise<{ entry: Cached; cached: boolean }> {
    const hit = this.cache.get(stream);
    if (hit) return { entry: hit, cached: true };
    const events = await this.store.readStream(stream);
    let state = decider.initialState();
    const applied = new Map<string, readonly Event[]>();
    const bodies = new Map<string, string>();
    /** steps split over several appends (issue 9) whose last append is not in the stream: not recorded yet */
    const unfinished = new Set<string>();
    for (const e of events) {
      const event = { type: e.type, data: e.data } as E;
      state = decider.evolve(state, event);
      const { idempotencyKey: key, commandBody: body, split } = e.metadata;
      remember(applied, key, [event]);
      if (typeof key === 'string' && typeof body === 'string') bodies.set(key, body);
      // the key's latest event decides: a part before the last leaves the step unfinished; the last
      // part, or an event of a retry that fit one append (no mark), finishes it
      if (typeof key === 'string') {
        if (Array.isArray(split) && split[0] !== split[1] - 1) unfinished.add(key);
        else unfinished.delete(key);
      }
    }
    for (const key of unfinished) applied.delete(key);
    const entry: Cached = { state, revision: events.length ? events[events.length - 1]!.revision : undefined, applied, bodies };
    this.keep(stream, entry);
    return { entry, cached: false };
  }

  private keep(stream: string, entry: Cached): void {
    this.cache.delete(stream);
    this.cache.set(stream, entry);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
  }
}
