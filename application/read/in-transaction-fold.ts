import type { CommandChange } from './event-log.js';
import type { RunnerFold } from './runner-fold.js';
import type { TransactionFolder } from '../../projections/session-list/read-model-store.js';
import { comparePositions, type Position, type RecordedEvent } from '../ports/event-store.js';

/**
 * Tables in the event store's own file (sqlite): each write transaction folds its events and saves
 * their rows before it commits; the batch is published once it has, and voided if it rolled back.
 */
export class InTransactionFold implements TransactionFolder<RecordedEvent> {
  /** a batch folded inside a write transaction, published once it commits */
  private folded: { readonly events: RecordedEvent[]; readonly changes: CommandChange[]; readonly from: Position; readonly saved: Position } | undefined;

  /** `stop`: the models cannot be put right in this process (the runner stops following) */
  constructor(private readonly core: RunnerFold, private readonly stop: (error: Error) => void) {}

  // arrow functions, own properties: a folder may be spread into another (a test's wrapper)

  /** Inside a write transaction: its events are folded and their rows saved before it commits. */
  readonly fold = (events: readonly RecordedEvent[]): void => {
    // Noted before the fold, so that a fold that throws (rolling the transaction back) is discarded too.
    const folded = (this.folded ??= { events: [], changes: [], from: this.core.checkpoint, saved: this.core.saved });
    const batch = this.core.foldAndSave(events);
    if (!batch) return;
    folded.events.push(...batch.events);
    folded.changes.push(...batch.changes);
  };

  /** The transaction committed: its batch is read by the commands waiting on it and by the views. */
  readonly committed = (): void => {
    const batch = this.folded;
    this.folded = undefined;
    if (batch && batch.events.length > 0) this.core.publish(batch);
  };

  /**
   * The transaction rolled back (its commit failed): its events are not in the log, and neither are
   * the rows saved with them, so the accounts in memory are let go and read again from the tables.
   * If an earlier batch's rows were not saved either, the models cannot be put right here: they stop,
   * and the next open folds the log from the tables' position.
   */
  readonly rolledBack = (): void => {
    const batch = this.folded;
    this.folded = undefined;
    if (!batch) return;
    const core = this.core;
    core.models.accounts.clear();
    core.changes.clear();
    core.checkpoint = batch.from;
    core.saved = batch.saved;
    if (comparePositions(batch.saved, batch.from) !== 0) {
      core.checkpoint = core.saved;
      this.stop(new Error('the read models lost a write transaction that rolled back after an unsaved batch; reopen the ledger to fold the log from the saved position'));
    }
  };
}
