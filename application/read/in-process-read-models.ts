import { decodeSnapshot, encodeSnapshot } from '../../projections/session-list/snapshot-codec.js';
import { InMemoryAccounts, type ChangedRows, type ReadModelStore } from '../../projections/session-list/read-model-store.js';
import { SILENT_LOGGER, errorText, type Logger } from '../ports/logger.js';
import { START, comparePositions, type EventStore, type Position } from '../ports/event-store.js';

export const SESSION_LIST_CHECKPOINT = 'session-list';

export interface InProcessOptions {
  /**
   * Write every account's rows as one snapshot with the checkpoint every this many events (and on
   * close), so the next start folds only what came after; default never (the next start folds the
   * whole log). Only for a store that takes a state of any size (PostgreSQL).
   */
  readonly snapshotEvery?: number;
  readonly logger?: Logger;
}

/**
 * The in-process read-model store: every account in this process's memory. For the memory store,
 * EventStoreDB without read-model tables, and audit replays.
 */
export class InProcessReadModels implements ReadModelStore {
  readonly accounts = new InMemoryAccounts();
  readonly durable = false;
  private sinceSnapshot = 0;
  private warned = false;

  constructor(private readonly store: EventStore, private readonly options: InProcessOptions = {}) {}

  async open(): Promise<Position | null> {
    if (this.options.snapshotEvery === undefined) return null;
    const saved = await this.store.readCheckpoint(SESSION_LIST_CHECKPOINT);
    // A snapshot of another format (an older version of the ledger) is ignored: replay from 0.
    const restored = saved && decodeSnapshot(saved.state);
    if (!saved || !restored) return null;
    for (const account of restored) this.accounts.set(account.id, account);
    return saved.position;
  }

  begin(): void {}

  save(changes: ChangedRows, position: Position): void {
    const every = this.options.snapshotEvery;
    if (every === undefined) return;
    this.sinceSnapshot += changes.events;
    if (this.sinceSnapshot >= every) void this.trySnapshot(position);
  }

  clear(): void {
    this.accounts.clear();
  }

  async close(position: Position): Promise<void> {
    if (this.options.snapshotEvery !== undefined) await this.trySnapshot(position);
  }

  /** Writes the snapshot now (rebuild, tests). */
  async snapshot(position: Position): Promise<void> {
    this.sinceSnapshot = 0;
    if (comparePositions(position, START) === 0) return;
    await this.store.writeCheckpoint(SESSION_LIST_CHECKPOINT, { position, state: encodeSnapshot(this.accounts.values()) });
  }

  /**
   * A snapshot is an optimisation: when it cannot be written (an outage) the read models stay
   * correct and the next start folds from the older checkpoint.
   */
  private async trySnapshot(position: Position): Promise<void> {
    try {
      await this.snapshot(position);
    } catch (error) {
      if (!this.warned) {
        this.warned = true;
        (this.options.logger ?? SILENT_LOGGER).warn('could not save the read-model snapshot; the next start will replay from the previous checkpoint', { error: errorText(error) });
      }
    }
  }
}
