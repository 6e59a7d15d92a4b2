import { Observable, Subject } from 'rxjs';
import { parseStream } from '../../domain/identity.js';
import { applyRecorded, foldRecorded, type CommandChange } from './event-log.js';
import { PositionWaiters } from './position-waiters.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
import { ChangedRows, type ReadModelStore } from '../../projections/session-list/read-model-store.js';
import { errorText, type Logger } from '../ports/logger.js';
import { START, comparePositions, type Position, type RecordedEvent } from '../ports/event-store.js';

/** One applied batch: the committed events and the device views they changed. */
export interface AppliedBatch {
  readonly events: readonly RecordedEvent[];
  readonly changes: readonly CommandChange[];
}

/** streams whose account is remembered between events (forgotten all at once past this) */
const STREAMS_KEPT = 10_000;
const NO_CHANGES: readonly CommandChange[] = Object.freeze([]);

/**
 * What the projection runner's paths share: the projection over a read-model store's accounts,
 * the position its fold reached (`checkpoint`) and the last one saved (`saved`), the rows changed
 * since, and the commands and views waiting on the fold. Each path (in process, a sqlite write
 * transaction, PostgreSQL tables, a projector) folds through it.
 */
export class RunnerFold {
  readonly projection: SessionListProjection;
  readonly changes = new ChangedRows();
  readonly waiters = new PositionWaiters();
  checkpoint: Position = START;
  /** the position of the last successful save */
  saved: Position = START;
  private warned = false;
  private readonly appliedSubject = new Subject<AppliedBatch>();
  /** each stream's account (undefined: not a ledger stream), for folds that route no changes */
  private readonly streamAccounts = new Map<string, string | undefined>();
  readonly applied$: Observable<AppliedBatch> = this.appliedSubject.asObservable();

  constructor(readonly models: ReadModelStore<RecordedEvent>, private readonly logger: Logger) {
    this.projection = new SessionListProjection(models.accounts);
  }

  /** a view listens to the applied batches (their view changes are worth building) */
  get observed(): boolean {
    return this.appliedSubject.observed;
  }

  foldAndSave(events: readonly RecordedEvent[], save = true): AppliedBatch | undefined {
    const fresh = this.fresh(events);
    if (fresh.length === 0) {
      // a catch-up's last page may bring nothing new after pages not saved yet
      if (save && this.changes.events > 0) this.save();
      return undefined;
    }
    this.models.begin();
    // with no view listening (a rebuild, the start's catch-up) the view changes are not built
    const changes = this.foldAll(fresh, this.appliedSubject.observed);
    if (save) this.save();
    return { events: fresh, changes };
  }

  /** The events after the checkpoint: those at or before it were applied already. */
  fresh(events: readonly RecordedEvent[]): readonly RecordedEvent[] {
    return events.filter((e) => comparePositions(e.position, this.checkpoint) > 0);
  }

  /** Folds events in order, the checkpoint following them; their view changes are built when `routed`. */
  foldAll(events: readonly RecordedEvent[], routed: boolean): CommandChange[] {
    const changes: CommandChange[] = [];
    for (const event of events) {
      const folded = this.fold(event, routed);
      if (folded.length > 0) changes.push(...folded);
      this.checkpoint = event.position;
    }
    return changes;
  }

  /** The batch goes to the views, and the commands waiting on the checkpoint go on. */
  publish(batch: AppliedBatch): void {
    this.appliedSubject.next(batch);
    this.waiters.release(this.checkpoint);
  }

  /** The batch goes to the views only (its commands wait on another position). */
  emit(batch: AppliedBatch): void {
    this.appliedSubject.next(batch);
  }

  complete(): void {
    this.appliedSubject.complete();
  }

  /**
   * Folds one event and notes the rows it changed. The view changes are built only for a batch a
   * view receives (`routed`); each stream's account is parsed once.
   */
  fold(event: RecordedEvent, routed: boolean, noted: ChangedRows = this.changes): readonly CommandChange[] {
    if (this.streamAccounts.size > STREAMS_KEPT) this.streamAccounts.clear();
    if (!routed && !this.models.durable) {
      // in-process models keep no rows: only the events are counted
      this.changes.count();
      foldRecorded(this.projection, event, this.streamAccounts);
      return NO_CHANGES;
    }
    let account = this.streamAccounts.get(event.streamName);
    if (account === undefined) this.streamAccounts.set(event.streamName, (account = parseStream(event.streamName)?.account));
    if (account === undefined) return NO_CHANGES;
    const devicesBefore = this.models.accounts.get(account)?.devices.size ?? 0;
    let out: readonly CommandChange[] = NO_CHANGES;
    if (routed) out = applyRecorded(this.projection, event);
    else foldRecorded(this.projection, event, this.streamAccounts);
    const model = this.models.accounts.get(account);
    if (model) noted.note(model, event.data, devicesBefore);
    return out;
  }

  /**
   * Saves the changed rows with the checkpoint. If the store cannot (an I/O error), the models in
   * memory stay right and keep their changes, to be saved with the next batch.
   */
  save(): void {
    try {
      this.models.save(this.changes, this.checkpoint);
      this.changes.clear();
      this.saved = this.checkpoint;
    } catch (error) {
      if (!this.warned) {
        this.warned = true;
        this.logger.warn('could not save the read models; they stay in memory and are saved with the next batch', { error: errorText(error) });
      }
    }
  }
}

/** The ledger accounts `events` belong to, each once. */
export function accountsOf(events: readonly RecordedEvent[]): string[] {
  return [...new Set(events.flatMap((e) => parseStream(e.streamName)?.account ?? []))];
}
