import type pg from 'pg';
import { newAccountModel, type AccountModel } from '../../projections/session-list/model.js';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { PgTables } from './pg-table-models.js';
import { AccountCache } from './account-cache.js';
import { CountingLedger } from './account-row-writes.js';
import { loadAccount, type RowsAt } from './pg-read-model-rows.js';

type Db = pg.Pool | pg.PoolClient;

/**
 * How a reload of an account this process's device views hold tells them what they have not heard:
 * the account's events between the copy here and the rows read, folded into the copy going away
 * for their view changes, published once the rows' copy is in place.
 */
export interface ViewedReloads {
  /** the account's committed events after `after`, up to `upTo`, in log order */
  read(db: Db | undefined, id: string, after: bigint, upTo: bigint): Promise<readonly RecordedEvent[]>;
  /** the account as its events up to `at` make it (a view opened on it with none in memory) */
  replay(db: Db | undefined, id: string, at: RowsAt): Promise<{ model: AccountModel; at: RowsAt }>;
  /** folds `events` into the account in memory for its views; returns the publish of their changes */
  fold(events: readonly RecordedEvent[]): () => void;
}
const NOWHERE: RowsAt = { position: -1n, events: 0n };
/** a model no rows hold: the next load reads the account again */
const STALE: RowsAt = { position: -2n, events: -1n };

/**
 * What a process keeps of the PostgreSQL read models: a bounded cache of accounts, each model with
 * the position its rows had (or its fold in this process reached), and the accounts in use (held
 * by a command, a query, a batch, a write or a view, whatever the cache lets go). Reads are
 * synchronous, loads are not: only accounts in use can be read.
 */
export class PgAccountMemory {
  readonly accounts: AccountCache;
  readonly counting = new CountingLedger();
  /** where each model in memory is: the rows it was read from, moved on by the folds since */
  private readonly positions = new WeakMap<AccountModel, RowsAt>();
  private readonly pinned = new Map<string, { uses: number; model: AccountModel | undefined }>();
  /** accounts held by device views here (how many of them), whose reloads tell the views */
  private readonly viewed = new Map<string, { count: number; since: RowsAt }>();
  /** per account, the writes of this process that folded into it and have not heard how their transaction ended */
  private readonly unsettled = new Map<string, Set<Promise<void>>>();

  /** the accounts device views hold here */
  get viewedIds(): string[] {
    return [...this.viewed.keys()];
  }
  /** set by an adapter whose views hear other processes' writes through reloads */
  reloads: ViewedReloads | undefined;

  constructor(private readonly store: Pick<PgTables, 'readTables'>, cacheRows: number) {
    this.accounts = new AccountCache({ load: (id) => this.inUse(id), ids: () => [...this.pinned.keys()] }, cacheRows);
  }

  /** the account's model in memory, cached or in use */
  model(id: string): AccountModel | undefined {
    return this.accounts.peek(id) ?? this.pinned.get(id)?.model;
  }

  /** the position the model in memory reflects; -1 when there is none */
  positionOf(id: string): bigint {
    return this.at(id).position;
  }

  at(id: string): RowsAt {
    const model = this.model(id);
    return (model && this.positions.get(model)) ?? NOWHERE;
  }

  /** A fold moved the account (in use) on by `events` events, to `position`; returns where it is now. */
  folded(id: string, model: AccountModel, position: bigint, events: number): RowsAt {
    const at = { position, events: (this.positions.get(model)?.events ?? 0n) + BigInt(events) };
    this.positions.set(model, at);
    const entry = this.pinned.get(id);
    if (entry) entry.model = model;
    return at;
  }

  /**
   * A write of this process folded into the account; until the returned settle (called once its
   * transaction's end is known, after `forget` if it rolled back), a write that locks the account
   * waits for it before it trusts a copy ahead of the rows (see bringUp).
   */
  writing(id: string): () => void {
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    const writes = this.unsettled.get(id) ?? new Set();
    writes.add(done);
    this.unsettled.set(id, writes);
    return () => {
      if (writes.delete(done) && writes.size === 0 && this.unsettled.get(id) === writes) this.unsettled.delete(id);
      settle();
    };
  }

  /**
   * What a write that rolled back folded is void: its account is read again from its rows by the
   * next load (the commands holding it meanwhile read it as it is, until theirs).
   */
  forget(id: string, position: bigint): void {
    const model = this.model(id);
    if (!model || this.positions.get(model)?.position !== position) return;
    this.positions.set(model, STALE);
    this.accounts.delete(id);
  }

  /**
   * Forgets every account in memory; `heard`: the position the views holding them heard up to
   * (their next reload tells them of what came after it).
   */
  clear(heard?: bigint): void {
    if (heard !== undefined) for (const seen of this.viewed.values()) seen.since = { position: heard, events: 0n };
    this.accounts.clear();
    for (const entry of this.pinned.values()) entry.model = undefined;
  }

  /**
   * Makes the account in memory the one its rows hold at `rows` (undefined: it has none). One in
   * memory there or later (folded here, its transaction committing) is kept. Where is the position
   * of the last event folded and then how many were: events of one EventStoreDB append may share
   * their commit position, and a projector's batch may end between them.
   *
   * Under the account's lock (`db`, the transaction's connection) every earlier transaction of the
   * account has ended on the server, but this process may not have heard how yet: the server frees
   * the lock as a transaction ends, and its answer comes on another connection. A copy ahead of the
   * rows may then hold the fold of a transaction that rolled back; so such a write first waits
   * until every write of this process that folded into the account settled (a rolled-back one has
   * marked the copy stale by then).
   */
  async bringUp(db: Db | undefined, id: string, rows: RowsAt | undefined): Promise<void> {
    const entry = this.pinned.get(id)!;
    if (db) await this.settled(id);
    const upToDate = () => {
      const model = this.model(id);
      return model !== undefined && !isBefore(this.positions.get(model) ?? NOWHERE, rows ?? NOWHERE);
    };
    if (upToDate()) {
      entry.model = this.model(id);
      return;
    }
    if (rows === undefined) {
      this.accounts.delete(id);
      entry.model = undefined;
      // an account with no events yet: its views hear every event from its first on
      if (this.reloads && this.viewed.has(id)) this.install(id, newAccountModel(id), NOWHERE);
      return;
    }
    const loaded = await this.load(db, id);
    if (upToDate() || !loaded) {
      entry.model = this.model(id);
      return;
    }
    const unheard = await this.unheard(db, id, loaded.at);
    if (upToDate()) {
      entry.model = this.model(id);
      return;
    }
    const tell = unheard?.();
    this.install(id, loaded.model, loaded.at);
    tell?.();
  }

  /** resolves once every write of this process that folded into the account so far settled */
  async settled(id: string): Promise<void> {
    for (let writes = this.unsettled.get(id); writes; writes = this.unsettled.get(id)) await Promise.all(writes);
  }

  /**
   * For an account device views hold, the events the copy here lacks up to `to` (which its views
   * have not heard), read now; the returned step, run right before the rows' copy is installed,
   * folds those still missing into the copy here and returns the publish of their view changes.
   * Undefined when no view holds the account or the copy here has no position to start from (none
   * was in memory when the views opened and the account had rows then: they hear what comes after
   * its first load; an account with no rows yet starts from an empty copy, so they hear it all).
   */
  private async unheard(db: Db | undefined, id: string, to: RowsAt): Promise<(() => (() => void) | undefined) | undefined> {
    const reloads = this.reloads;
    const seen = this.viewed.get(id);
    if (!reloads || !seen) return undefined;
    const model = this.model(id);
    const from = (model && this.positions.get(model)) ?? (model ? undefined : seen.since);
    if (!from || from.position < NOWHERE.position || !isBefore(from, to)) return undefined;
    const events = await reloads.read(db, id, from.position, to.position);
    if (events.length === 0) return undefined;
    // none here since the views opened: the account as it was then, replayed from the log
    const base = model ? undefined : await reloads.replay(db, id, from);
    return () => {
      if (base && !this.model(id)) this.install(id, base.model, base.at);
      const here = this.positionOf(id);
      const rest = events.filter((e) => e.position.commit > here);
      return rest.length > 0 ? reloads.fold(rest) : undefined;
    };
  }

  /**
   * Holds the account for a device view until the returned release: its reloads tell the views of
   * every event after the copy here, or after `since` (the log position this process followed) if
   * it has none.
   */
  view(id: string, since: bigint): () => void {
    const seen = this.viewed.get(id);
    if (seen) seen.count++;
    else this.viewed.set(id, { count: 1, since: { position: since, events: 0n } });
    const release = this.hold([id]);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.viewed.get(id)!.count === 0) this.viewed.delete(id);
      release();
    };
  }

  load(db: Db | undefined, id: string): Promise<{ model: AccountModel; at: RowsAt } | undefined> {
    return db ? loadAccount(db, id) : this.store.readTables('reading the read models', (pool) => loadAccount(pool, id));
  }

  /** `model`, read from the rows at `at`, is the account in memory from now on. */
  install(id: string, model: AccountModel, at: RowsAt): void {
    this.counting.loaded(model);
    this.positions.set(model, at);
    const entry = this.pinned.get(id);
    if (entry) entry.model = model;
    this.accounts.set(id, model);
  }

  pin(id: string): void {
    const entry = this.pinned.get(id);
    if (entry) entry.uses++;
    else this.pinned.set(id, { uses: 1, model: this.accounts.peek(id) });
  }

  unpin(id: string): void {
    const entry = this.pinned.get(id);
    if (entry && --entry.uses === 0) this.pinned.delete(id);
  }

  /** Pins `ids` until the returned release (called once, however often). */
  hold(ids: readonly string[]): () => void {
    for (const id of ids) this.pin(id);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const id of ids) this.unpin(id);
    };
  }

  /** The cache's loader: only accounts in use can be read (their loads are asynchronous). */
  private inUse(id: string): AccountModel | undefined {
    const entry = this.pinned.get(id);
    if (!entry) throw new Error(`the read models of account ${JSON.stringify(id)} were read before they were loaded: on PostgreSQL, load them first with use()`);
    return entry.model;
  }
}

/** `a` comes before `b`: an earlier position, or the same one with fewer events folded. */
function isBefore(a: RowsAt, b: RowsAt): boolean {
  return a.position < b.position || (a.position === b.position && a.events < b.events);
}
