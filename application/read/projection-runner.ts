import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Observable, Subject } from 'rxjs';
import { STREAM_ROOT, parseStream } from '../../domain/identity.js';
import { applyRecorded, foldRecorded, type CommandChange } from './event-log.js';
import { InProcessReadModels } from './in-process-read-models.js';
import { PositionWaiters } from './position-waiters.js';
import { LedgerClosedError } from '../errors.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
import { ChangedRows, type ConcurrentFolder, type FoldedTransaction, type ReadModelStore } from '../../projections/session-list/read-model-store.js';
import type { SessionListReader } from '../../projections/session-list/reader.js';
import { SILENT_LOGGER, errorText, type Logger } from '../ports/logger.js';
import { START, comparePositions, type EventStore, type Position, type RecordedEvent, type Subscription } from '../ports/event-store.js';

export { SESSION_LIST_CHECKPOINT } from './in-process-read-models.js';

/** One applied batch: the committed events and the device views they changed. */
export interface AppliedBatch {
  readonly events: readonly RecordedEvent[];
  readonly changes: readonly CommandChange[];
}

export interface RunnerOptions {
  /** where the read models live (default: in this process, see `snapshotEvery`) */
  readonly readModels?: ReadModelStore<RecordedEvent>;
  /** in-process read models only: write a snapshot with the checkpoint every this many events (and on close); default never */
  readonly snapshotEvery?: number;
  readonly logger?: Logger;
}

const FILTER = { streamPrefixes: [STREAM_ROOT] };
const NO_RELEASE = (): void => undefined;

function accountsOf(events: readonly RecordedEvent[]): string[] {
  return [...new Set(events.flatMap((e) => parseStream(e.streamName)?.account ?? []))];
}
/**
 * events read and folded at a time while catching up (small pages: their events die young), and
 * saved at a time with their position
 */
const READ_PAGE = 500;
const SAVE_EVERY = 2000;
/** catch-ups longer than this report their progress to the logger */
const PROGRESS_EVERY = 50_000;
/** streams whose account is remembered between events (forgotten all at once past this) */
const STREAMS_KEPT = 10_000;
const NO_CHANGES: readonly CommandChange[] = Object.freeze([]);

/**
 * Feeds the session-list projection from the store's global log into a read-model store: resumes
 * from the position the store saved, folds what came after page by page (yielding to the event
 * loop between pages), then follows live appends, saving each batch's changed rows with its
 * position. Commands wait on `waitFor(position)` to read their writes.
 */
export class ProjectionRunner {
  private readonly models: ReadModelStore<RecordedEvent>;
  private readonly projection: SessionListProjection;
  private readonly changes = new ChangedRows();
  private readonly logger: Logger;
  private checkpoint: Position = START;
  private subscription: Subscription | undefined;
  private readonly waiters = new PositionWaiters();
  private readonly appliedSubject = new Subject<AppliedBatch>();
  private warned = false;
  /** the position of the last successful save */
  private saved: Position = START;
  /** a batch folded inside a write transaction, published once it commits */
  private folded: { readonly events: RecordedEvent[]; readonly changes: CommandChange[]; readonly from: Position; readonly saved: Position } | undefined;
  private detach: (() => void) | undefined;
  /** per account, the last load for a command or a query: the next resolves after it */
  private readonly uses = new Map<string, Promise<void>>();
  /** events read from the log by catch-ups (start, rebuild), for tests and benches */
  private caughtUpEvents = 0;
  /** each stream's account (undefined: not a ledger stream), for folds that route no changes */
  private readonly streamAccounts = new Map<string, string | undefined>();
  readonly applied$: Observable<AppliedBatch> = this.appliedSubject.asObservable();

  constructor(private readonly store: EventStore, options: RunnerOptions = {}) {
    this.logger = options.logger ?? SILENT_LOGGER;
    this.models = options.readModels ?? new InProcessReadModels(store, {
      logger: this.logger, ...(options.snapshotEvery !== undefined && { snapshotEvery: options.snapshotEvery }),
    });
    this.projection = new SessionListProjection(this.models.accounts);
    // only tables shared by processes load an account before a command or a query reads it
    this.use = this.models.use ? (account) => this.load(account) : undefined;
  }

  /** Internal, for tests: the projection over the read-model store's accounts. */
  get currentProjection(): SessionListProjection {
    return this.projection;
  }

  get readModels(): ReadModelStore<RecordedEvent> {
    return this.models;
  }

  /** The read models, through their port. */
  get reader(): SessionListReader {
    return this.projection.reader;
  }

  get position(): Position {
    return this.checkpoint;
  }

  /** how many events catch-ups (the start's, a rebuild's) read from the log */
  get eventsCaughtUp(): number {
    return this.caughtUpEvents;
  }

  async start(): Promise<void> {
    const saved = await this.models.open();
    this.checkpoint = this.saved = saved ?? START;
    const building = saved === null && this.models.durable;
    if (building) this.logger.info('building the read-model tables from the log (once: this store has none yet)');
    const events = await this.catchUp();
    if (building) this.logger.info('the read-model tables are built', { events });
    if (building) await this.models.built?.();
    const follow = this.models.followed ? (events: readonly RecordedEvent[]) => this.follow(events) : (events: readonly RecordedEvent[]) => this.apply(events);
    this.subscription = this.store.subscribeToAll({ fromPosition: this.checkpoint, filter: FILTER }, follow);
    this.subscription.done.catch((error) => this.waiters.fail(error));
    await this.subscription.caughtUp;
    // From here on, tables in the store's own database fold each write transaction inside it; the
    // subscription then finds its events folded already.
    if (this.models.joinTransactions) {
      this.detach = this.models.joinTransactions(this.concurrent);
      return;
    }
    this.detach = this.models.joinWrites?.({
      fold: (events) => this.foldInTransaction(events),
      committed: () => this.publishFolded(),
      rolledBack: () => this.discardFolded(),
    });
  }

  /** Forgets the read models and folds the whole log again (the `rebuild` command). */
  async rebuild(onProgress?: (events: number) => void): Promise<{ events: number; accounts: number }> {
    if (this.models.clearAsync) await this.models.clearAsync();
    else this.models.clear();
    this.changes.clear();
    this.checkpoint = START;
    const events = await this.catchUp(onProgress);
    await this.models.built?.();
    await this.models.close(this.checkpoint);
    return { events, accounts: this.models.accounts.ids().length };
  }

  /**
   * Folds the log after the checkpoint page by page, each page saved with its position, the event
   * loop free between pages: all of it for in-process models, the tail a crash or another writer
   * left for saved ones, everything once for a store from a version without read-model tables.
   */
  private async catchUp(onProgress?: (events: number) => void): Promise<number> {
    let count = 0;
    let unsaved = 0;
    for (;;) {
      const page = await this.store.readAll({ fromPosition: this.checkpoint, maxCount: READ_PAGE, filter: FILTER });
      const last = page.length < READ_PAGE;
      unsaved += page.length;
      const save = last || unsaved >= SAVE_EVERY || this.models.saveAsync !== undefined;
      if (this.models.saveAsync) await this.applyShared(page);
      else {
        const batch = this.foldAndSave(page, save);
        if (batch) this.publish(batch);
      }
      count += page.length;
      this.caughtUpEvents += page.length;
      onProgress?.(count);
      if (count % PROGRESS_EVERY < page.length && count >= PROGRESS_EVERY) this.logger.info('folding the log into the read models', { events: count });
      if (last) break;
      if (save) {
        unsaved = 0;
        // the event loop runs only with everything folded saved
        await yieldToEventLoop();
      }
    }
    return count;
  }

  /** Folds committed events; those at or before the checkpoint were applied already and are skipped. */
  apply(events: readonly RecordedEvent[]): void {
    const batch = this.foldAndSave(events);
    if (batch) this.publish(batch);
  }

  private foldAndSave(events: readonly RecordedEvent[], save = true): AppliedBatch | undefined {
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
  private fresh(events: readonly RecordedEvent[]): readonly RecordedEvent[] {
    return events.filter((e) => comparePositions(e.position, this.checkpoint) > 0);
  }

  /** Folds events in order, the checkpoint following them; their view changes are built when `routed`. */
  private foldAll(events: readonly RecordedEvent[], routed: boolean): CommandChange[] {
    const changes: CommandChange[] = [];
    for (const event of events) {
      const folded = this.fold(event, routed);
      if (folded.length > 0) changes.push(...folded);
      this.checkpoint = event.position;
    }
    return changes;
  }

  private publish(batch: AppliedBatch): void {
    this.appliedSubject.next(batch);
    this.waiters.release(this.checkpoint);
  }

  /** Inside a write transaction: its events are folded and their rows saved before it commits. */
  private foldInTransaction(events: readonly RecordedEvent[]): void {
    // Noted before the fold, so that a fold that throws (rolling the transaction back) is discarded too.
    const folded = (this.folded ??= { events: [], changes: [], from: this.checkpoint, saved: this.saved });
    const batch = this.foldAndSave(events);
    if (!batch) return;
    folded.events.push(...batch.events);
    folded.changes.push(...batch.changes);
  }

  /** The transaction committed: its batch is read by the commands waiting on it and by the views. */
  private publishFolded(): void {
    const batch = this.folded;
    this.folded = undefined;
    if (batch && batch.events.length > 0) this.publish(batch);
  }

  /**
   * The transaction rolled back (its commit failed): its events are not in the log, and neither are
   * the rows saved with them, so the accounts in memory are let go and read again from the tables.
   * If an earlier batch's rows were not saved either, the models cannot be put right here: they stop,
   * and the next open folds the log from the tables' position.
   */
  private discardFolded(): void {
    const batch = this.folded;
    this.folded = undefined;
    if (!batch) return;
    this.models.accounts.clear();
    this.changes.clear();
    this.checkpoint = batch.from;
    this.saved = batch.saved;
    if (comparePositions(batch.saved, batch.from) !== 0) {
      this.checkpoint = this.saved;
      this.detach?.();
      this.detach = undefined;
      const error = new Error('the read models lost a write transaction that rolled back after an unsaved batch; reopen the ledger to fold the log from the saved position');
      this.logger.error(error.message);
      void this.subscription?.close();
      this.waiters.fail(error);
    }
  }

  /**
   * Tables shared by processes (PostgreSQL): a catch-up's page, its accounts loaded first, saved
   * asynchronously. A save that fails fails the catch-up.
   */
  private async applyShared(events: readonly RecordedEvent[]): Promise<void> {
    const fresh = this.fresh(events);
    if (fresh.length === 0) return;
    const release = await this.models.use!(accountsOf(fresh));
    try {
      const changes = this.foldAll(fresh, true);
      await this.models.saveAsync!(this.changes, this.checkpoint);
      this.changes.clear();
      this.saved = this.checkpoint;
      this.publish({ events: fresh, changes });
    } finally {
      release();
    }
  }

  /** Shared tables: each write transaction folds its own events, with changed rows of its own. */
  private readonly concurrent: ConcurrentFolder<RecordedEvent> = {
    fold: (events): FoldedTransaction => {
      const changes = new ChangedRows();
      const out: CommandChange[] = [];
      for (const event of events) out.push(...this.fold(event, true, changes));
      return { changes, committed: () => this.appliedSubject.next({ events, changes: out }) };
    },
  };

  /**
   * Shared tables: the log's events came with their rows (folded by the transactions that wrote
   * them, in this process or another); the tables bring the accounts cached here up to date, and
   * the commands waiting on a position go on.
   */
  private async follow(events: readonly RecordedEvent[]): Promise<void> {
    const fresh = this.fresh(events);
    if (fresh.length === 0) return;
    await this.models.followed!(fresh, this.concurrent);
    this.checkpoint = fresh[fresh.length - 1]!.position;
    this.waiters.release(this.checkpoint);
  }

  /** Holds `account`'s read models in memory while a device view is open (tables shared by processes); returns the release. */
  keep(account: string): () => void {
    return this.models.keep?.(account) ?? NO_RELEASE;
  }

  /**
   * Loads `account`'s read models for a command or a query, returning the release; undefined when
   * the read models need no load (in process, sqlite), so those paths take no extra step.
   */
  readonly use: ((account: string) => Promise<() => void>) | undefined;

  /**
   * The loads run side by side but resolve in call order, so commands on one account start in the
   * order they were given, as they do on the other stores.
   */
  private load(account: string): Promise<() => void> {
    const loading = this.models.use!([account]);
    const before = this.uses.get(account);
    const inOrder = before ? before.then(() => loading) : loading;
    const settled = inOrder.then(() => undefined, () => undefined);
    this.uses.set(account, settled);
    void settled.then(() => this.uses.get(account) === settled && this.uses.delete(account));
    return inOrder;
  }

  /**
   * Folds one event and notes the rows it changed. The view changes are built only for a batch a
   * view receives (`routed`); each stream's account is parsed once.
   */
  private fold(event: RecordedEvent, routed: boolean, noted: ChangedRows = this.changes): readonly CommandChange[] {
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
  private save(): void {
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

  /** Resolves once the read models include every event up to `position` (S10.5). */
  waitFor(position: Position | undefined): Promise<void> {
    return this.waiters.wait(position, this.checkpoint);
  }

  /** Saves what the read-model store keeps for a close (the in-process snapshot, if any) now. */
  async persist(): Promise<void> {
    await this.models.close(this.checkpoint);
  }

  async close(): Promise<void> {
    this.detach?.();
    this.detach = undefined;
    await this.subscription?.close();
    this.subscription = undefined;
    if (this.changes.events > 0) this.save();
    await this.models.close(this.checkpoint).catch(() => undefined);
    this.appliedSubject.complete();
    this.waiters.fail(new LedgerClosedError());
  }
}
