import type { AccountModel } from './model.js';
import { foldEvent, type ProjectedEvent, type ViewChange } from './fold.js';
import { SessionListQueries } from './queries.js';
import type { SessionListReader } from './reader.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';
import { ViewUpkeep } from './upkeep.js';

/**
 * The session-list read model of every account and device view: its model, folded event by event
 * (O(devices of the account) per event, plus an ordered-index move), read through its queries.
 */
export class SessionListProjection {
  readonly reader: SessionListReader;
  private readonly upkeep: ViewUpkeep;

  constructor(private readonly accounts = new Map<string, AccountModel>()) {
    this.upkeep = new ViewUpkeep(accounts);
    this.reader = new SessionListQueries(accounts);
  }

  /** Folds one event; returns the device views it changed. */
  apply(event: ProjectedEvent): ViewChange[] {
    return foldEvent(this.upkeep, event);
  }

  toSnapshot(): unknown {
    return encodeSnapshot(this.accounts);
  }

  /** null for a snapshot of another format version: the caller rebuilds from position 0 instead. */
  static fromSnapshot(snapshot: unknown): SessionListProjection | null {
    const accounts = decodeSnapshot(snapshot);
    return accounts && new SessionListProjection(accounts);
  }
}
