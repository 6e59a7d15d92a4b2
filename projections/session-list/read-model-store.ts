import type { AccountModel } from './model.js';

/** A log position as the read models record it (structurally the event store's Position). */
export interface StoredPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/**
 * The models the fold works on and the queries read, by account id. A table store's loads an
 * account from its rows on first use and keeps a bounded number of them.
 */
export interface AccountModels extends Map<string, AccountModel> {
  /** every account that has read models, loaded or not */
  ids(): string[];
}

/** Every account in memory: the in-process read models (memory, EventStoreDB, audit replays). */
export class InMemoryAccounts extends Map<string, AccountModel> implements AccountModels {
  ids(): string[] {
    return [...this.keys()];
  }
}

/** What a batch of events changed in one account: the rows a store must write again. */
export interface AccountChanges {
  /** every row of the account (an event whose reach is not narrowed by a session or a device) */
  whole: boolean;
  /** sessions whose session row, type rows, counting rows and every device's view rows changed */
  readonly sessions: Set<string>;
  /** devices whose device row and every view row changed */
  readonly devices: Set<string>;
  /** events of the account noted */
  events: number;
}

/**
 * The rows a batch of folded events changed, noted around the fold (the handlers stay as they are):
 * an event about a session touches that session on every device of its account (and the devices'
 * counters); one naming a device and no session touches that device's views; a device the fold
 * added is touched whole; any other event touches its whole account.
 */
export class ChangedRows {
  private readonly byAccount = new Map<string, AccountChanges>();
  private eventCount = 0;

  /** events noted since the last `clear` */
  get events(): number {
    return this.eventCount;
  }

  get accounts(): ReadonlyMap<string, AccountChanges> {
    return this.byAccount;
  }

  /** `devicesBefore`: how many devices the account had before the fold (the Map keeps insertion order). */
  note(account: AccountModel, data: unknown, devicesBefore: number): void {
    this.eventCount++;
    let changes = this.byAccount.get(account.id);
    if (!changes) this.byAccount.set(account.id, (changes = { whole: false, sessions: new Set(), devices: new Set(), events: 0 }));
    changes.events++;
    const { sessionId, device } = (data ?? {}) as { sessionId?: unknown; device?: unknown };
    if (typeof sessionId === 'string') changes.sessions.add(sessionId);
    else if (typeof device === 'string') changes.devices.add(device);
    else changes.whole = true;
    if (account.devices.size > devicesBefore) {
      for (const id of [...account.devices.keys()].slice(devicesBefore)) changes.devices.add(id);
    }
  }

  /** an event noted for a store that keeps no rows (the in-process models count events only) */
  count(): void {
    this.eventCount++;
  }

  clear(): void {
    this.byAccount.clear();
    this.eventCount = 0;
  }
}

/** What a table store in the event store's own database calls on each write transaction. */
export interface TransactionFolder<E> {
  /** inside the transaction, after its appends: fold them and save their rows, which commit with them */
  fold(events: readonly E[]): void;
  /** the transaction committed */
  committed(): void;
  /** the transaction rolled back: what `fold` did in memory is void */
  rolledBack(): void;
}

/** One write transaction's fold, for tables that many processes write at once (PostgreSQL). */
export interface FoldedTransaction {
  /** the rows the transaction's events changed, to save before it commits */
  readonly changes: ChangedRows;
  /** the transaction committed: its batch goes to the commands and views waiting on it */
  committed(): void;
}

/**
 * What tables shared by many processes call in each write transaction, once the account's lock is
 * held and its models are loaded as they are in the database: fold the transaction's events.
 */
export interface ConcurrentFolder<E> {
  fold(events: readonly E[]): FoldedTransaction;
}

/**
 * The read-model store port: where the session-list models live between the fold and the queries.
 * The in-process adapter keeps every account in memory; the table adapter keeps rows in the
 * ledger's database and a bounded cache of accounts in memory. The runner folds the log into
 * `accounts` and hands each batch's changes to `save`.
 */
export interface ReadModelStore<E = unknown> {
  readonly accounts: AccountModels;
  /** true when the saved models survive a restart without a replay (tables) */
  readonly durable: boolean;
  /** the position the saved models reflect; null when there are none (the runner folds from the start) */
  open(): Promise<StoredPosition | null>;
  /** A batch is about to be folded: every account it loads stays in memory until it is saved. */
  begin(): void;
  /**
   * Saves the rows `changes` names with `position`, in one transaction: synchronous, so a batch is
   * saved before the commands waiting on it go on. If it throws nothing was saved, and the caller
   * keeps the changes to save with the next batch.
   */
  save(changes: ChangedRows, position: StoredPosition): void;
  /** Forgets every model and the position (the start of a rebuild). */
  clear(): void;
  /** Saves what is left to save (the in-process adapter: its optional snapshot) and lets go. */
  close(position: StoredPosition): Promise<void>;
  /** Closes what the store opened of its own (a database that holds only read models); called once, when its ledger closes. */
  release?(): Promise<void>;
  /**
   * Only for tables in the event store's own database: from now on `folder` folds each write
   * transaction inside it, so its rows and position commit with its events. Returns the detach.
   */
  joinWrites?(folder: TransactionFolder<E>): () => void;

  // Tables in a database many processes write (PostgreSQL): loads are asynchronous there, so the
  // accounts a command, a query or a batch reads are loaded first, and every write transaction
  // folds and saves its own events (the port's synchronous members above stay for the others).

  /**
   * Loads `ids` as the database has them now (a cached account is read again only when another
   * process moved it on), and keeps them in memory until the returned release.
   */
  use?(ids: readonly string[]): Promise<() => void>;
  /**
   * holds an account in memory without loading it (a device view, loaded by its commands) until
   * the release; `since`: the log position the process followed when the view opened
   */
  keep?(id: string, since?: StoredPosition): () => void;
  /** `save`, asynchronously (a catch-up's or a rebuild's batch) */
  saveAsync?(changes: ChangedRows, position: StoredPosition): Promise<void>;
  /** the build (open returned null, or a rebuild) folded the whole log: the tables are ready */
  built?(): Promise<void>;
  /** `clear`, asynchronously */
  clearAsync?(): Promise<void>;
  /** From now on `folder` folds each write transaction inside it, under its account's lock. Returns the detach. */
  joinTransactions?(folder: ConcurrentFolder<E>): () => void;
  /**
   * The log follower read `events` (committed, each with its rows): accounts cached as they were
   * before them are read again; events no write transaction folded (a writer without read models)
   * are folded and saved, once, under their account's lock.
   */
  followed?(events: readonly E[], fold: ConcurrentFolder<E>): Promise<void>;
}
