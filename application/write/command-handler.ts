import { SCHEMA_VERSION, type EventMetadata } from '../../domain/events.js';
import type { DomainRejection } from '../../domain/errors.js';
import type { CommandMeta } from './command-meta.js';
import { ConcurrencyError, CommandRejectedError } from '../errors.js';
import { Lanes } from './lanes.js';
import { commandEventId } from './event-ids.js';
import { WrongExpectedVersionError, type EventStore, type EventToAppend, type Position } from '../ports/event-store.js';

/** An aggregate as the pipeline needs it: Emmett's decider shape, one per stream kind. */
export interface Decider<C, E extends { type: string; data: unknown }, S> {
  initialState(stream: string): S;
  evolve(state: S, event: E): S;
  decide(command: C, state: S): readonly E[] | DomainRejection;
  /** the command type that produces events of this type (a retry is recognised by it) */
  commandOf(eventType: string): string;
  /** a stable id for an event, or undefined to derive one from the command */
  eventId?(stream: string, event: E): string | undefined;
}

interface Cached<S> {
  state: S;
  revision: bigint | undefined;
  /** (account, device, commandId, command type) of the stream's recent events: a retried command is a no-op */
  applied: AppliedCommands;
}

/** The most recent command keys of one stream, bounded so the cache stays small. */
class AppliedCommands {
  private readonly keys = new Set<string>();

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > APPLIED_LIMIT) this.keys.delete(this.keys.values().next().value!);
  }
}

const APPLIED_LIMIT = 1000;

/** Command ids need only be unique per account, device and command (a client's own counter, say). */
function appliedKey(meta: Record<string, unknown>, step: string): string {
  return JSON.stringify([meta['account'], meta['device'], meta['commandType'], meta['commandId'], step]);
}

export interface PipelineResult<E> {
  readonly events: readonly E[];
  /** position of the last appended event, undefined when nothing was appended */
  readonly position: Position | undefined;
}

const MAX_ATTEMPTS = 12;
const CACHE_LIMIT = 20_000;

/**
 * read → fold → decide → append with the revision read → retry on conflict, for every command.
 * Commands on one stream run one after another in this process (a lane per stream), so conflicts
 * only come from other processes; the state cache saves re-reading the stream.
 */
export class StreamPipeline {
  private readonly cache = new Map<string, Cached<unknown>>();
  private readonly lanes = new Lanes();

  constructor(private readonly store: EventStore) {}

  run<C, E extends { type: string; data: unknown }, S>(stream: string, decider: Decider<C, E, S>, command: C, meta: CommandMeta): Promise<PipelineResult<E>> {
    return this.lanes.run(stream, () => this.attempt(stream, decider, command, meta));
  }

  private async attempt<C, E extends { type: string; data: unknown }, S>(stream: string, decider: Decider<C, E, S>, command: C, meta: CommandMeta): Promise<PipelineResult<E>> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const { state, revision, cached, applied } = await this.load(stream, decider);
      const type = (command as { type: string }).type;
      // Dispatching a command again with the same commandId never doubles its effect (S10.2).
      if (applied.has(appliedKey(meta as unknown as Record<string, unknown>, type))) return { events: [], position: undefined };
      const decision = decider.decide(command, state);
      const appendsNothing = !Array.isArray(decision) || decision.length === 0;
      // Appending checks the revision; deciding nothing (or refusing) on cached state must check it
      // here, or another process's writes would go unnoticed (S10.5).
      if (appendsNothing && cached && (await this.lastRevision(stream)) !== revision) {
        this.cache.delete(stream);
        continue;
      }
      if (!Array.isArray(decision)) {
        const rejection = decision as DomainRejection;
        throw new CommandRejectedError(rejection.code, rejection.message);
      }
      const events = decision as readonly E[];
      if (events.length === 0) return { events, position: undefined };
      const metadata: EventMetadata = {
        schemaVersion: SCHEMA_VERSION,
        at: meta.at,
        account: meta.account,
        device: meta.device,
        commandId: meta.commandId,
        commandType: meta.commandType,
        correlationId: meta.correlationId,
        causationId: meta.causationId,
      };
      const toAppend: EventToAppend[] = events.map((e, i) => ({
        id: decider.eventId?.(stream, e) ?? commandEventId(meta, stream, i),
        type: e.type,
        data: e.data,
        metadata: { ...metadata },
      }));
      try {
        const result = await this.store.appendToStream(stream, toAppend, { expectedRevision: revision ?? 'no_stream' });
        let folded = state;
        for (const e of events) folded = decider.evolve(folded, e);
        applied.add(appliedKey(meta as unknown as Record<string, unknown>, type));
        this.remember(stream, { state: folded, revision: result.nextExpectedRevision, applied });
        return { events, position: result.position };
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

  private async load<E extends { type: string; data: unknown }, S>(stream: string, decider: Decider<unknown, E, S>): Promise<Cached<S> & { cached: boolean }> {
    const hit = this.cache.get(stream) as Cached<S> | undefined;
    if (hit) return { ...hit, cached: true };
    const events = await this.store.readStream(stream);
    let state = decider.initialState(stream);
    const applied = new AppliedCommands();
    for (const e of events) {
      state = decider.evolve(state, { type: e.type, data: e.data } as E);
      applied.add(appliedKey(e.metadata, decider.commandOf(e.type)));
    }
    const loaded = { state, revision: events.length ? events[events.length - 1]!.revision : undefined, applied };
    this.remember(stream, loaded);
    return { ...loaded, cached: false };
  }

  private remember(stream: string, entry: Cached<unknown>): void {
    this.cache.delete(stream);
    this.cache.set(stream, entry);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
  }
}
