import type { Decider } from '../../domain/decider.js';
import { DomainRejection } from '../../domain/errors.js';
import { SCHEMA_VERSION, type EventMetadata } from '../../domain/events.js';
import type { CommandMeta } from './command-meta.js';
import { ConcurrencyError, CommandRejectedError } from '../errors.js';
import { Lanes } from './lanes.js';
import { nameBasedIds } from './ids.js';
import { WrongExpectedVersionError, type EventStore, type EventToAppend, type Position } from '../ports/event-store.js';

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

/** The step's first event takes the key itself as its id (one hash per step); the others derive theirs from it. */
function eventId(key: string, index: number): string {
  return index === 0 ? key : uuidv5(`${key}\n${index}`);
}

function remember(applied: Map<string, readonly Event[]>, key: unknown, events: readonly Event[]): void {
  if (typeof key !== 'string' || events.every((e) => MESSAGE_EVENTS.has(e.type))) return;
  applied.set(key, [...(applied.get(key) ?? []), ...events]);
}

/**
 * The one command handler: cached or loaded state → decide → append with the revision read →
 * retry on conflict. Steps on one stream run one after another in this process (a lane per
 * stream), so conflicts only come from other processes. New events are folded once, into the cache.
 */
export class CommandHandler {
  private readonly cache = new Map<string, Cached>();
  private readonly lanes = new Lanes();

  constructor(private readonly store: EventStore) {}

  handle<C, E extends Event, S>(step: CommandStep<C, E, S>): Promise<StepResult<E>> {
    return this.lanes.run(step.stream, () => this.attempt(step));
  }

  private async attempt<C, E extends Event, S>({ stream, decider, command, meta }: CommandStep<C, E, S>): Promise<StepResult<E>> {
    // the step is named by the decider command's type: one key per (command, stream, step)
    const key = idempotencyKey(meta, stream, (command as { type: string }).type);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const { entry, cached } = await this.load(stream, decider);
      // Dispatching a command again with the same commandId never doubles its effect (S10.2).
      const before = entry.applied.get(key);
      if (before) return { events: before as readonly E[], position: undefined };
      const decision = decider.decide(command, entry.state as S);
      const appendsNothing = decision instanceof DomainRejection || decision.length === 0;
      // Appending checks the revision; deciding nothing (or refusing) on cached state must check it
      // here, or another process's writes would go unnoticed (S10.5).
      if (appendsNothing && cached && (await this.lastRevision(stream)) !== entry.revision) {
        this.cache.delete(stream);
        continue;
      }
      if (decision instanceof DomainRejection) throw new CommandRejectedError(decision.code, decision.message);
      if (decision.length === 0) return { events: decision, position: undefined };
      const metadata: EventMetadata = { ...meta, schemaVersion: SCHEMA_VERSION, idempotencyKey: key };
      const toAppend: EventToAppend[] = decision.map((e, i) => ({ id: eventId(key, i), type: e.type, data: e.data, metadata: { ...metadata } }));
      try {
        const result = await this.store.appendToStream(stream, toAppend, { expectedRevision: entry.revision ?? 'no_stream' });
        let state = entry.state as S;
        for (const e of decision) state = decider.evolve(state, e);
        remember(entry.applied, key, decision);
        this.keep(stream, { state, revision: result.nextExpectedRevision, applied: entry.applied });
        return { events: decision, position: result.position };
      } catch (error) {
        this.cache.delete(stream);
        if (!(error instanceof WrongExpectedVersionError)) throw error;
      }
    }
    throw new ConcurrencyError(stream, MAX_ATTEMPTS);
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
    for (const e of events) {
      const event = { type: e.type, data: e.data } as E;
      state = decider.evolve(state, event);
      remember(applied, e.metadata['idempotencyKey'], [event]);
    }
    const entry: Cached = { state, revision: events.length ? events[events.length - 1]!.revision : undefined, applied };
    this.keep(stream, entry);
    return { entry, cached: false };
  }

  private keep(stream: string, entry: Cached): void {
    this.cache.delete(stream);
    this.cache.set(stream, entry);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
  }
}
