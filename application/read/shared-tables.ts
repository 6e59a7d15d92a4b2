import type { CommandChange } from './event-log.js';
import { accountsOf, type RunnerFold } from './runner-fold.js';
import { ChangedRows, type ConcurrentFolder, type FoldedTransaction } from '../../projections/session-list/read-model-store.js';
import type { RecordedEvent } from '../ports/event-store.js';

const NO_RELEASE = (): void => undefined;

/**
 * The runner's paths for read-model tables shared by processes (PostgreSQL): loads are
 * asynchronous, so the accounts a command, a query or a batch reads are loaded first; a batch is
 * saved asynchronously; write transactions in the store's own database fold their own events.
 */
export class SharedTables {
  /** per account, the last load for a command or a query: the next resolves after it */
  private readonly uses = new Map<string, Promise<void>>();

  constructor(private readonly core: RunnerFold) {}

  /**
   * A catch-up's page (or a projector's batch), its accounts loaded first, saved asynchronously
   * with its position. A save that fails fails the caller.
   */
  async apply(events: readonly RecordedEvent[]): Promise<void> {
    const core = this.core;
    const fresh = core.fresh(events);
    if (fresh.length === 0) return;
    const release = await core.models.use!(accountsOf(fresh));
    try {
      const changes = core.foldAll(fresh, true);
      await core.models.saveAsync!(core.changes, core.checkpoint);
      core.changes.clear();
      core.saved = core.checkpoint;
      core.publish({ events: fresh, changes });
    } finally {
      release();
    }
  }

  /** Tables in the store's database: each write transaction folds its own events, with changed rows of its own. */
  readonly concurrent: ConcurrentFolder<RecordedEvent> = {
    fold: (events): FoldedTransaction => {
      const changes = new ChangedRows();
      const out: CommandChange[] = [];
      for (const event of events) out.push(...this.core.fold(event, true, changes));
      return { changes, committed: () => this.core.emit({ events, changes: out }) };
    },
  };

  /**
   * Tables in the store's database: the log's events came with their rows (folded by the
   * transactions that wrote them, in this process or another); the tables bring the accounts
   * cached here up to date, and the commands waiting on a position go on.
   */
  async follow(events: readonly RecordedEvent[]): Promise<void> {
    const core = this.core;
    const fresh = core.fresh(events);
    if (fresh.length === 0) return;
    await core.models.followed!(fresh, this.concurrent);
    core.checkpoint = fresh[fresh.length - 1]!.position;
    core.waiters.release(core.checkpoint);
  }

  /** Holds `account`'s read models in memory while a device view is open; returns the release. */
  keep(account: string): () => void {
    return this.core.models.keep?.(account, this.core.checkpoint) ?? NO_RELEASE;
  }

  /**
   * Loads `account`'s read models for a command or a query, returning the release. The loads run
   * side by side but resolve in call order, so commands on one account start in the order they
   * were given, as they do on the other stores.
   */
  load(account: string): Promise<() => void> {
    const loading = this.core.models.use!([account]);
    const before = this.uses.get(account);
    const inOrder = before ? before.then(() => loading) : loading;
    const settled = inOrder.then(() => undefined, () => undefined);
    this.uses.set(account, settled);
    void settled.then(() => this.uses.get(account) === settled && this.uses.delete(account));
    return inOrder;
  }
}
