import { foldEvent, type ProjectedEvent, type ViewChange } from './fold.js';
import { SessionListQueries } from './queries.js';
import { InMemoryAccounts, type AccountModels } from './read-model-store.js';
import type { SessionListReader } from './reader.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';
import { ViewUpkeep } from './upkeep.js';

/**
 * The session-list read model of every account and device view: its model, folded event by event
 * (O(devices of the account) per event, plus an ordered-index move), read through its queries.
 * The accounts live where a read-model store keeps them (in memory by default).
 */
export class SessionListProjection {
  readonly reader: SessionListReader;
  private readonly upkeep: ViewUpkeep;

  constructor(private readonly accounts: AccountModels = new InMemoryAccounts()) {
    this.upkeep = new ViewUpkeep(accounts);
    this.reader = new SessionListQueries(accounts);
  }

  /** Folds one event; returns the device views it changed. */
  apply(event: ProjectedEvent): ViewChange[] {
    return foldEvent(this.upkeep, event);
  }

  /** Every account's rows as one JSON value (the in-process read models' optional snapshot). */
  toSnapshot(): unknown {
    return encodeSnapshot(this.accounts.values());
  }

  /** null for a snapshot of another format version: the caller rebuilds from position 0 instead. */
  static fromSnapshot(snapshot: unknown): SessionListProjection | null {
    const accounts = decodeSnapshot(snapshot);
    if (!accounts) return null;
    const models = new InMemoryAccounts();
    for (const account of accounts) models.set(account.id, account);
    return new SessionListProjection(models);
  }
}
