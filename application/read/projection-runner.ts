import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Observable } from 'rxjs';
import { STREAM_ROOT } from '../../domain/identity.js';
import { InProcessReadModels } from './in-process-read-models.js';
import { InTransactionFold } from './in-transaction-fold.js';
import { Projector, holdingLease, type ProjectorTables } from './projector.js';
import { RunnerFold, type AppliedBatch } from './runner-fold.js';
import { SharedTables } from './shared-tables.js';
import { LedgerClosedError } from '../errors.js';
import type { SessionListProjection } from '../../projections/session-list/projection.js';
import type { ReadModelStore } from '../../projections/session-list/read-model-store.js';
import type { SessionListReader } from '../../projections/session-list/reader.js';
import { SILENT_LOGGER, type Logger } from '../ports/logger.js';
import { START, type EventStore, type Position, type RecordedEvent, type Subscription } from '../ports/event-store.js';

export { SESSION_LIST_CHECKPOINT } from './in-process-read-models.js';
export type { AppliedBatch } from './runner-fold.js';

export interface RunnerOptions {
  /** where the read models live (default: in this process, see `snapshotEvery`) */
  readonly readModels?: ReadModelStore<RecordedEvent>;
  /** in-process read models only: write a snapshot with the checkpoint every this many events (and on close); default never */
  readonly snapshotEvery?: number;
  /**
   * tables that a projector fills (the `readModels` store, for an event store that does not write
   * them): one process at a time, the holder of its lease, follows the log into them
   */
  readonly projector?: ProjectorTables;
  readonly logger?: Logger;
}

const FILTER = { streamPrefixes: [STREAM_ROOT] };
/**
 * events read and folded at a time while catching up (small pages: their events die young), and
 * saved at a time with their position
 */
const READ_PAGE = 500;
const SAVE_EVERY = 2000;
/** catch-ups longer than this report their progress to the logger */
const PROGRESS_EVERY = 50_000;

/**
 * Feeds the session-list projection from the store's global log into a read-model store: resumes
 * from the position the store saved, folds what came after page by page (yielding to the event
 * loop between pages), then follows live appends, saving each batch's changed rows with its
 * position. Commands wait on `waitFor(position)` to read their writes.
 */
export class ProjectionRunner {
  private readonly models: ReadModelStore<RecordedEvent>;
  private readonly core: RunnerFold;
  private readonly shared: SharedTables;
  private readonly logger: Logger;
  private subscription: Subscription | undefined;
  private detach: (() => void) | undefined;
  private readonly tables: ProjectorTables | undefined;
  private projector: Projector | undefined;
  /** events read from the log by catch-ups (start, rebuild), for tests and benches */
  private caughtUpEvents = 0;
  readonly applied$: Observable<AppliedBatch>;

  constructor(private readonly store: EventStore, options: RunnerOptions = {}) {
    this.logger = options.logger ?? SILENT_LOGGER;
    this.models = options.readModels ?? new InProcessReadModels(store, {
      logger: this.logger, ...(options.snapshotEvery !== undefined && { snapshotEvery: options.snapshotEvery }),
    });
    this.tables = options.projector;
    this.core = new RunnerFold(this.models, this.logger);
    this.shared = new SharedTables(this.core);
    this.applied$ = this.core.applied$;
    // only tables shared by processes load an account before a command or a query reads it
    this.use = this.models.use ? (account) => this.shared.load(account) : undefined;
  }

  /** Internal, for tests: the projection over the read-model store's accounts. */
  get currentProjection(): SessionListProjection {
    return this.core.projection;
  }

  get readModels(): ReadModelStore<RecordedEvent> {
    return this.models;
  }

  /** The read models, through their port. */
  get reader(): SessionListReader {
    return this.core.projection.reader;
  }

  get position(): Position {
    return this.core.checkpoint;
  }

  /** how many events catch-ups (the start's, a rebuild's) read from the log */
  get eventsCaughtUp(): number {
    return this.caughtUpEvents;
  }

  /** this process runs the projector of tables a projector fills (it holds the lease) */
  get projecting(): boolean {
    return this.projector?.holdsLease ?? false;
  }

  async start(): Promise<void> {
    const saved = await this.models.open();
    this.core.checkpoint = this.core.saved = saved ?? START;
    if (this.tables) {
      // no catch-up here: the projector's process folds the log; the others follow its checkpoint
      this.projector = new Projector({ store: this.store, tables: this.tables, core: this.core, shared: this.shared, filter: FILTER, logger: this.logger });
      this.projector.start();
      return;
    }
    const building = saved === null && this.models.durable;
    // Built tables that processes share (PostgreSQL) hold every event with its rows, each written
    // in the event's transaction under its account's lock: what others commit after the head read
    // at open comes through the subscription (followed), never through a catch-up here, which
    // would fold those events a second time and save rows outside the accounts' locks.
    if (building || !this.models.followed) {
      if (building) this.logger.info('building the read-model tables from the log (once: this store has none yet)');
      const events = await this.catchUp();
      if (building) this.logger.info('the read-model tables are built', { events });
      if (building) await this.models.built?.();
    }
    const follow = this.models.followed ? (events: readonly RecordedEvent[]) => this.shared.follow(events) : (events: readonly RecordedEvent[]) => this.apply(events);
    this.subscription = this.store.subscribeToAll({ fromPosition: this.core.checkpoint, filter: FILTER }, follow);
    this.subscription.done.catch((error) => this.core.waiters.fail(error));
    await this.subscription.caughtUp;
    // From here on, tables in the store's own database fold each write transaction inside it; the
    // subscription then finds its events folded already.
    if (this.models.joinTransactions) {
      this.detach = this.models.joinTransactions(this.shared.concurrent);
      return;
    }
    this.detach = this.models.joinWrites?.(new InTransactionFold(this.core, (error) => this.stop(error)));
  }

  /** Forgets the read models and folds the whole log again (the `rebuild` command). */
  rebuild(onProgress?: (events: number) => void): Promise<{ events: number; accounts: number }> {
    // tables a projector fills are rebuilt holding its lease, so that no projector writes meanwhile
    return this.tables ? holdingLease(this.tables, () => this.rebuildAll(onProgress)) : this.rebuildAll(onProgress);
  }

  private async rebuildAll(onProgress?: (events: number) => void): Promise<{ events: number; accounts: number }> {
    if (this.models.clearAsync) await this.models.clearAsync();
    else this.models.clear();
    this.core.changes.clear();
    this.core.checkpoint = START;
    const events = await this.catchUp(onProgress);
    await this.models.built?.();
    await this.models.close(this.core.checkpoint);
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
      const page = await this.store.readAll({ fromPosition: this.core.checkpoint, maxCount: READ_PAGE, filter: FILTER });
      const last = page.length < READ_PAGE;
      unsaved += page.length;
      const save = last || unsaved >= SAVE_EVERY || this.models.saveAsync !== undefined;
      if (this.models.saveAsync) await this.shared.apply(page);
      else {
        const batch = this.core.foldAndSave(page, save);
        if (batch) this.core.publish(batch);
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
    const batch = this.core.foldAndSave(events);
    if (batch) this.core.publish(batch);
  }

  /** The models cannot go on in this process: following stops, and every wait fails with `error`. */
  private stop(error: Error): void {
    this.detach?.();
    this.detach = undefined;
    this.logger.error(error.message);
    void this.subscription?.close();
    this.core.waiters.fail(error);
  }

  /** Holds `account`'s read models in memory while a device view is open (tables shared by processes); returns the release. */
  keep(account: string): () => void {
    return this.shared.keep(account);
  }

  /**
   * Loads `account`'s read models for a command or a query, returning the release; undefined when
   * the read models need no load (in process, sqlite), so those paths take no extra step.
   */
  readonly use: ((account: string) => Promise<() => void>) | undefined;

  /** Resolves once the read models include every event up to `position` (S10.5). */
  waitFor(position: Position | undefined): Promise<void> {
    const waiters = this.core.waiters;
    if (!this.projector) return waiters.wait(position, this.core.checkpoint);
    // a projector's batch counts once committed (`saved`), so every process reads what it waited for
    const waiting = waiters.wait(position, this.core.saved);
    if (waiters.pending > 0) this.projector.waiting();
    return waiting;
  }

  /** Saves what the read-model store keeps for a close (the in-process snapshot, if any) now. */
  async persist(): Promise<void> {
    await this.models.close(this.core.checkpoint);
  }

  async close(): Promise<void> {
    await this.projector?.close();
    this.detach?.();
    this.detach = undefined;
    await this.subscription?.close();
    this.subscription = undefined;
    if (this.core.changes.events > 0) this.core.save();
    await this.models.close(this.core.checkpoint).catch(() => undefined);
    await this.models.release?.().catch(() => undefined);
    this.core.complete();
    this.core.waiters.fail(new LedgerClosedError());
  }
}
