import type Database from 'better-sqlite3';
import type { AccountModel } from '../../projections/session-list/model.js';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { ChangedRows, ReadModelStore, StoredPosition, TransactionFolder } from '../../projections/session-list/read-model-store.js';
import { accountFromRows } from '../../projections/session-list/rows.js';
import { CountingLedger, accountWrites } from './account-row-writes.js';
import type { SqliteEventStore } from '../store/sqlite/sqlite-store.js';
import { upcast } from '../upcasting/upcasters.js';
import { AccountCache } from './account-cache.js';
import { READ_MODEL_FORMAT, createReadModelTables, emptyReadModelTables } from './sqlite-read-model-schema.js';

const NAME = 'session-list';
/** the checkpoint an older version kept its whole-model snapshot in */
const OLD_SNAPSHOT = 'session-list';
/** rows of accounts kept in memory by default (sessions, and a view of each per device) */
export const DEFAULT_CACHE_ROWS = 200_000;

export interface SqliteReadModelOptions {
  /** rows of accounts a process keeps in memory (default 200,000); an account is loaded whole on first use */
  readonly cacheRows?: number;
}

const json = (value: unknown): string => JSON.stringify(value);

/**
 * The session-list read models as tables in the ledger's sqlite file, with a bounded cache of
 * accounts in memory. Each batch's changed rows and its position commit in one transaction, so
 * the tables always reflect exactly the events up to their position; opening reads only that
 * position (and the tail of the log a crash or another writer left after it).
 */
export class SqliteReadModels implements ReadModelStore<RecordedEvent> {
  readonly durable = true;
  readonly accounts: AccountCache;
  private readonly sql: ReturnType<typeof prepare>;
  /** counting records known to be in rm_counting (records are only ever added) */
  private readonly counting = new CountingLedger();
  private readonly write: (changes: ChangedRows, position: StoredPosition) => (() => void)[];
  private readonly db: Database.Database;

  constructor(private readonly store: SqliteEventStore, options: SqliteReadModelOptions = {}) {
    const db = (this.db = store.database);
    createReadModelTables(db);
    this.sql = prepare(db);
    this.accounts = new AccountCache({ load: (id) => this.load(id), ids: () => this.sql.ids.all() as string[] }, options.cacheRows ?? DEFAULT_CACHE_ROWS);
    this.write = db.transaction((changes: ChangedRows, position: StoredPosition) => {
      const done: (() => void)[] = [];
      for (const [id, changed] of changes.accounts) {
        const account = this.accounts.peek(id);
        if (account) done.push(this.writeAccount(id, accountWrites(account, changed, this.counting)));
      }
      this.sql.state.run(NAME, position.commit, position.prepare, READ_MODEL_FORMAT);
      return done;
    });
  }

  async open(): Promise<StoredPosition | null> {
    const state = this.sql.readState.get(NAME) as { commit: bigint; prepare: bigint; format: bigint } | undefined;
    if (state && Number(state.format) === READ_MODEL_FORMAT) return { commit: state.commit, prepare: state.prepare };
    // Never built (a new file, or one from a version that kept a snapshot instead), or another format.
    this.db.transaction(() => {
      emptyReadModelTables(this.db);
      this.db.prepare('DELETE FROM checkpoints WHERE name = ?').run(OLD_SNAPSHOT);
    })();
    return null;
  }

  begin(): void {
    this.accounts.hold();
  }

  save(changes: ChangedRows, position: StoredPosition): void {
    for (const done of this.write(changes, position)) done();
    this.accounts.release(changes.accounts.keys());
  }

  clear(): void {
    emptyReadModelTables(this.db);
    this.accounts.clear();
  }

  async close(): Promise<void> {}

  /** The store's write transactions fold their events and save the rows before they commit. */
  joinWrites(folder: TransactionFolder<RecordedEvent>): () => void {
    this.store.hookWrites({
      beforeCommit: (events) => folder.fold(events.map(upcast)),
      committed: () => folder.committed(),
      rolledBack: () => folder.rolledBack(),
    });
    return () => this.store.hookWrites(undefined);
  }

  /** Upserts the rows `accountWrites` chose; returns its `done`, for once the transaction committed. */
  private writeAccount(id: string, { writes, done }: ReturnType<typeof accountWrites>): () => void {
    this.sql.account.run(id, writes.account.maxUpdateTime);
    for (const row of writes.sessions) this.sql.session.run(id, row.sessionId, json(row.facts));
    for (const row of writes.types) this.sql.type.run(id, row.sessionId, row.type, row.message.time, json(row.message));
    for (const sessionId of writes.dropCounting) this.sql.dropCounting.run(id, sessionId);
    for (const { sessionId, record } of writes.counting) this.sql.counting.run(id, sessionId, record.time, record.seq, record.key, json(record));
    for (const row of writes.devices) this.sql.device.run(id, row.device, json(row.facts));
    for (const row of writes.views) this.sql.view.run(id, row.device, row.sessionId, row.updateTime, row.unread, json(row.facts));
    return done;
  }

  private load(id: string): AccountModel | undefined {
    const row = this.sql.readAccount.get(id) as { maxUpdateTime: number | null } | undefined;
    if (!row) return undefined;
    const parse = <T>(rows: unknown[], map: (r: any) => T): T[] => rows.map(map);
    const account = accountFromRows({
      account: { id, maxUpdateTime: row.maxUpdateTime },
      sessions: parse(this.sql.readSessions.all(id), (r) => ({ sessionId: r.sessionId, facts: JSON.parse(r.facts) })),
      devices: parse(this.sql.readDevices.all(id), (r) => ({ device: r.device, facts: JSON.parse(r.facts) })),
      views: parse(this.sql.readViews.all(id), (r) => ({ device: r.device, sessionId: r.sessionId, updateTime: r.updateTime, unread: 0, facts: JSON.parse(r.facts) })),
      counting: parse(this.sql.readCounting.all(id), (r) => ({ sessionId: r.sessionId, record: JSON.parse(r.record) })),
      types: parse(this.sql.readTypes.all(id), (r) => ({ sessionId: r.sessionId, type: r.type, message: JSON.parse(r.message) })),
    });
    this.counting.loaded(account);
    return account;
  }
}

function prepare(db: Database.Database) {
  return {
    ids: db.prepare('SELECT account FROM rm_accounts').pluck(),
    readState: db.prepare('SELECT commit_position AS "commit", prepare_position AS prepare, format FROM rm_state WHERE name = ?'),
    state: db.prepare('INSERT INTO rm_state (name, commit_position, prepare_position, format) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET commit_position = excluded.commit_position, prepare_position = excluded.prepare_position, format = excluded.format'),
    account: db.prepare('INSERT INTO rm_accounts (account, max_update_time) VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET max_update_time = excluded.max_update_time'),
    session: db.prepare('INSERT INTO rm_sessions (account, session_id, facts) VALUES (?, ?, ?) ON CONFLICT (account, session_id) DO UPDATE SET facts = excluded.facts'),
    type: db.prepare('INSERT INTO rm_types (account, session_id, type, time, message) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, session_id, type) DO UPDATE SET time = excluded.time, message = excluded.message'),
    device: db.prepare('INSERT INTO rm_devices (account, device, facts) VALUES (?, ?, ?) ON CONFLICT (account, device) DO UPDATE SET facts = excluded.facts'),
    view: db.prepare('INSERT INTO rm_views (account, device, session_id, update_time, unread, facts) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account, device, session_id) DO UPDATE SET update_time = excluded.update_time, unread = excluded.unread, facts = excluded.facts'),
    counting: db.prepare('INSERT OR IGNORE INTO rm_counting (account, session_id, time, seq, key, record) VALUES (?, ?, ?, ?, ?, ?)'),
    dropCounting: db.prepare('DELETE FROM rm_counting WHERE account = ? AND session_id = ?'),
    readAccount: db.prepare('SELECT max_update_time AS maxUpdateTime FROM rm_accounts WHERE account = ?'),
    readSessions: db.prepare('SELECT session_id AS sessionId, facts FROM rm_sessions WHERE account = ?'),
    readDevices: db.prepare('SELECT device, facts FROM rm_devices WHERE account = ?'),
    // a device's visible views come in list order, so its index is built by appends
    readViews: db.prepare('SELECT device, session_id AS sessionId, update_time AS updateTime, facts FROM rm_views WHERE account = ? ORDER BY device, update_time, session_id'),
    readCounting: db.prepare('SELECT session_id AS sessionId, record FROM rm_counting WHERE account = ? ORDER BY session_id, time, seq, key'),
    readTypes: db.prepare('SELECT session_id AS sessionId, type, message FROM rm_types WHERE account = ? ORDER BY type, time, session_id'),
  };
}
