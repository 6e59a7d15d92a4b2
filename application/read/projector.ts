import type { RunnerFold } from './runner-fold.js';
import type { SharedTables } from './shared-tables.js';
import type { Lease } from '../ports/lease.js';
import { accountPrefix } from '../../domain/identity.js';
import type { ConcurrentFolder } from '../../projections/session-list/read-model-store.js';
import { errorText, type Logger } from '../ports/logger.js';
import { START, comparePositions, type EventFilter, type EventStore, type Position, type RecordedEvent, type Subscription } from '../ports/event-store.js';

/**
 * Read-model tables that a projector fills for an event store that does not write them
 * (EventStoreDB with read models in PostgreSQL): each batch's rows commit with the checkpoint,
 * moved from where this process last saw it (`resume`), so a batch of a projector that lost its
 * lease writes nothing.
 */
export interface ProjectorTables {
  /** campaigns for the projector's lease: one holder among every process on these tables */
  campaign(): Lease;
  /** the checkpoint as the tables hold it now (another process's projector moves it) */
  checkpoint(): Promise<Position>;
  /** reads the checkpoint, and makes it the one the next batch moves from */
  resume(): Promise<Position>;
  /** calls `moved` when another process says the checkpoint moved; returns the stop */
  watch(moved: () => void): () => void;
  /**
   * forgets every account in memory (a batch that failed left them folded ahead of their rows);
   * the device views holding some heard up to `heard`
   */
  forget(heard: Position): void;
  /**
   * From now on, the device views of accounts read again from their rows hear of the events
   * that brings (`read`: an account's events after one commit position up to another; `history`:
   * all of them, for a view opened on an account with no copy in memory).
   */
  tellViews?(read: AccountEvents, history: (account: string) => Promise<readonly RecordedEvent[]>, folder: ConcurrentFolder<RecordedEvent>): void;
  /** the checkpoint moved (another process projects): the accounts device views hold are read again */
  viewsMoved?(): Promise<void>;
}

/** An account's events after the commit position `after`, up to `upTo`, in log order. */
export type AccountEvents = (account: string, after: bigint, upTo: bigint) => Promise<readonly RecordedEvent[]>;

/** how often a process with commands waiting reads the checkpoint, should a wake-up be lost */
const POLL_MS = 50;
/** the pause before a projector whose batch failed starts again from the checkpoint, doubling to the most while it keeps failing */
const RETRY_MS = 200;
const MAX_RETRY_MS = 5000;

export interface ProjectorParts {
  readonly store: EventStore;
  readonly tables: ProjectorTables;
  readonly core: RunnerFold;
  readonly shared: SharedTables;
  readonly filter: EventFilter;
  readonly logger: Logger;
}

/**
 * The read-model projector of one process: it campaigns for the lease; while it holds it, it
 * follows the log from the tables' checkpoint (server-side filter) and saves each batch with its
 * checkpoint; when it loses it (its connection ended) it stops and campaigns again. Whoever holds
 * it, the commands waiting here go on once the checkpoint passed their position: told by the
 * projector's process after each commit, or found by a short poll while any wait.
 */
export class Projector {
  private lease: Lease | undefined;
  private subscription: Subscription | undefined;
  private leading = false;
  private closed = false;
  private poll: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  /** the batch being saved, if any */
  private batch: Promise<void> | undefined;
  /** a stopped projector's last batch settling, after which its accounts are forgotten */
  private settled: Promise<void> = Promise.resolve();
  /** counts the starts and stops of following: a subscription's batches count while its number is current */
  private following = 0;
  /** batches (or starts) that failed in a row */
  private failures = 0;

  constructor(private readonly parts: ProjectorParts) {}

  /** this process holds the projector's lease and follows the log */
  get holdsLease(): boolean {
    return this.leading;
  }

  start(): void {
    const { store, filter } = this.parts;
    const read: AccountEvents = (account, after, upTo) => accountEvents(store, filter, account, after, upTo);
    this.parts.tables.tellViews?.(read, (account) => store.readStreamsWithPrefix(accountPrefix(account)), this.parts.shared.concurrent);
    this.unwatch = this.parts.tables.watch(() => void this.refresh());
    this.campaign();
  }

  /** A command waits on a position the checkpoint has not passed: the poll runs until none waits. */
  waiting(): void {
    if (this.poll || this.closed) return;
    this.poll = setInterval(() => {
      if (this.parts.core.waiters.pending === 0) {
        clearInterval(this.poll);
        this.poll = undefined;
        return;
      }
      void this.refresh();
    }, POLL_MS);
    this.poll.unref();
  }

  private campaign(): void {
    if (this.closed) return;
    const lease = (this.lease = this.parts.tables.campaign());
    lease.held.then(() => this.lead(lease), () => undefined);
    void lease.lost.then(() => this.lost(lease));
  }

  /** The lease is ours: follow the log from the checkpoint the tables hold now. */
  private async lead(lease: Lease): Promise<void> {
    if (this.lease !== lease || this.closed) return;
    const { core, tables, store, shared, filter } = this.parts;
    try {
      await this.settled;
      const at = await tables.resume();
      if (this.lease !== lease || this.closed) return;
      core.checkpoint = core.saved = at;
      core.changes.clear();
      this.leading = true;
      core.waiters.release(at);
      this.parts.logger.info('this process projects the read models now (it holds the lease)', { from: `${at.commit}/${at.prepare}` });
      // the views here hear of what the last projector saved since this process last read them
      await tables.viewsMoved?.();
      if (this.lease !== lease || this.closed) return;
      const following = ++this.following;
      // a batch delivered after the projector stopped is not folded (the next leader folds it)
      const handle = async (events: readonly RecordedEvent[]) => {
        if (following !== this.following) return;
        await (this.batch = shared.apply(events));
        this.failures = 0;
      };
      const subscription = (this.subscription = store.subscribeToAll({ fromPosition: at, filter }, handle));
      subscription.done.catch((error: unknown) => this.failed(lease, subscription, error));
    } catch (error) {
      this.failed(lease, undefined, error);
    }
  }

  /**
   * A batch (or the subscription) failed: nothing of that batch was saved, so the accounts folded
   * ahead of their rows are forgotten and the projector starts again from the checkpoint.
   */
  private failed(lease: Lease, subscription: Subscription | undefined, error: unknown): void {
    if (this.closed || this.lease !== lease || (subscription && this.subscription !== subscription)) return;
    this.parts.logger.warn('the read-model projector stopped; it starts again from its checkpoint', { error: errorText(error) });
    this.stopFollowing();
    const pause = Math.min(RETRY_MS * 2 ** this.failures++, MAX_RETRY_MS);
    this.retry = setTimeout(() => void this.lead(lease), pause);
  }

  /** The lease's connection ended: another process may lead now; this one campaigns again. */
  private lost(lease: Lease): void {
    if (this.closed || this.lease !== lease) return;
    this.stopFollowing();
    this.campaign();
  }

  /**
   * Stops following the log. The batch under way (if any) settles first: once it has, the accounts
   * it folded (saved or not: another projector may lead now) are forgotten, to be read again from
   * their rows; a new lead waits for that.
   */
  private stopFollowing(): void {
    this.leading = false;
    this.following++;
    clearTimeout(this.retry);
    const { subscription, batch } = this;
    this.subscription = undefined;
    this.batch = undefined;
    this.settled = (async () => {
      await Promise.all([batch?.catch(() => undefined), subscription?.close().catch(() => undefined)]);
      this.parts.core.changes.clear();
      this.parts.tables.forget(this.parts.core.saved);
    })();
  }

  /** Another process's projector may have moved the checkpoint: read it, and let the commands up to it go on. */
  private refresh(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        if (this.leading || this.closed) return;
        const at = await this.parts.tables.checkpoint().catch(() => undefined);
        const core = this.parts.core;
        if (at && !this.leading && comparePositions(at, core.saved) > 0) {
          core.checkpoint = core.saved = at;
          // the views here hear of what the other process's projector saved, then the commands go on
          await this.parts.tables.viewsMoved?.().catch((error: unknown) => this.parts.logger.warn('could not read the viewed accounts again', { error: errorText(error) }));
          core.waiters.release(at);
        }
      } while (this.readAgain);
    })().finally(() => (this.reading = undefined));
    return this.reading;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unwatch?.();
    clearInterval(this.poll);
    clearTimeout(this.retry);
    this.stopFollowing();
    await this.settled;
    await this.reading;
    await this.lease?.release();
  }
}

/** An account's events in (after, upTo] by commit position, read through the log's filter from just before `after`. */
async function accountEvents(store: EventStore, filter: EventFilter, account: string, after: bigint, upTo: bigint): Promise<readonly RecordedEvent[]> {
  const prefix = accountPrefix(account);
  if (!filter.streamPrefixes?.some((p) => prefix.startsWith(p))) return [];
  const fromPosition = after < 0n ? START : { commit: after, prepare: 0n };
  const events = await store.readAll({ fromPosition, filter: { streamPrefixes: [prefix] } });
  return events.filter((e) => e.position.commit > after && e.position.commit <= upTo);
}

/** The projector's part in a rebuild: the rebuild runs holding the lease, so no projector writes meanwhile. */
export async function holdingLease<T>(tables: ProjectorTables, work: () => Promise<T>): Promise<T> {
  const lease = tables.campaign();
  try {
    await lease.held;
    await tables.resume();
    return await work();
  } finally {
    await lease.release();
  }
}
