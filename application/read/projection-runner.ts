import { Observable, Subject } from 'rxjs';
import { STREAM_ROOT } from '../../domain/identity.js';
import { applyRecorded, type CommandChange } from './event-log.js';
import { PositionWaiters } from './position-waiters.js';
import { LedgerClosedError } from '../errors.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
import type { SessionListReader } from '../../projections/session-list/reader.js';
import { SILENT_LOGGER, errorText, type Logger } from '../ports/logger.js';
import { START, comparePositions, type EventStore, type Position, type RecordedEvent, type Subscription } from '../ports/event-store.js';

export const SESSION_LIST_CHECKPOINT = 'session-list';

/** One applied batch: the committed events and the device views they changed. */
export interface AppliedBatch {
  readonly events: readonly RecordedEvent[];
  readonly changes: readonly CommandChange[];
}

export interface RunnerOptions {
  /** write a read-model snapshot with its checkpoint every this many events (and on close) */
  readonly snapshotEvery?: number;
  readonly logger?: Logger;
}

/**
 * Feeds the session-list projection from the store's global log: resumes from its checkpoint,
 * catches up, then follows live appends. Commands wait on `waitFor(position)` to read their writes.
 */
export class ProjectionRunner {
  private projectionValue = new SessionListProjection();
  private checkpoint: Position = START;
  private subscription: Subscription | undefined;
  private readonly waiters = new PositionWaiters();
  private readonly appliedSubject = new Subject<AppliedBatch>();
  private sinceSnapshot = 0;
  private warned = false;
  readonly applied$: Observable<AppliedBatch> = this.appliedSubject.asObservable();

  constructor(private readonly store: EventStore, private readonly options: RunnerOptions = {}) {}

  /** Internal, for snapshots and tests: the projection itself (everything else reads through `reader`). */
  get currentProjection(): SessionListProjection {
    return this.projectionValue;
  }

  /** The read models, through their port. */
  get reader(): SessionListReader {
    return this.projectionValue.reader;
  }

  get position(): Position {
    return this.checkpoint;
  }

  async start(): Promise<void> {
    const saved = await this.store.readCheckpoint(SESSION_LIST_CHECKPOINT);
    const restored = saved && SessionListProjection.fromSnapshot(saved.state);
    if (saved && restored) {
      // A snapshot of another format (an older version of the ledger) is ignored: replay from 0.
      this.projectionValue = restored;
      this.checkpoint = saved.position;
    }
    this.subscription = this.store.subscribeToAll(
      { fromPosition: this.checkpoint, filter: { streamPrefixes: [STREAM_ROOT] } },
      (events) => this.apply(events),
    );
    this.subscription.done.catch((error) => this.waiters.fail(error));
    await this.subscription.caughtUp;
  }

  /** Folds committed events; those at or before the checkpoint were applied already and are skipped. */
  apply(events: readonly RecordedEvent[]): void {
    const changes: CommandChange[] = [];
    const fresh = events.filter((e) => comparePositions(e.position, this.checkpoint) > 0);
    if (fresh.length === 0) return;
    events = fresh;
    for (const event of events) {
      changes.push(...applyRecorded(this.projectionValue, event));
      this.checkpoint = event.position;
    }
    this.sinceSnapshot += events.length;
    this.appliedSubject.next({ events, changes });
    this.waiters.release(this.checkpoint);
    const every = this.options.snapshotEvery ?? 20_000;
    if (this.sinceSnapshot >= every) void this.trySnapshot();
  }

  /** Resolves once the read models include every event up to `position` (S10.5). */
  waitFor(position: Position | undefined): Promise<void> {
    return this.waiters.wait(position, this.checkpoint);
  }

  /** Saves the read models with their checkpoint, so the next start resumes from here. */
  async snapshot(): Promise<void> {
    this.sinceSnapshot = 0;
    const position = this.checkpoint;
    if (comparePositions(position, START) === 0) return;
    await this.store.writeCheckpoint(SESSION_LIST_CHECKPOINT, { position, state: this.projectionValue.toSnapshot() });
  }

  /**
   * A snapshot is an optimisation: when it cannot be written (a store's event size limit, an
   * outage) the read models stay correct and the next start replays from the older checkpoint.
   */
  private async trySnapshot(): Promise<void> {
    try {
      await this.snapshot();
    } catch (error) {
      if (!this.warned) {
        this.warned = true;
        (this.options.logger ?? SILENT_LOGGER).warn('could not save the read-model snapshot; the next start will replay from the previous checkpoint', { error: errorText(error) });
      }
    }
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
    await this.trySnapshot();
    this.appliedSubject.complete();
    this.waiters.fail(new LedgerClosedError());
  }
}
