import type Database from 'better-sqlite3';
import type { AccountModel, CountingRecord, DeviceModel, DeviceSessionModel, SessionModel } from '../../projections/session-list/model.js';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { AccountChanges, ChangedRows, ReadModelStore, StoredPosition, TransactionFolder } from '../../projections/session-list/read-model-store.js';
import {
  accountFromRows, accountRow, deviceRow, sessionRow, viewOwnFacts,
  type AccountRows, type CountingRow, type DeviceRow, type SessionRow, type TypeRow, type ViewRow,
} from '../../projections/session-list/rows.js';
import type { SqliteEventStore } from '../store/sqlite/sqlite-store.js';
import { upcast } from '../upcasting/upcasters.js';
import { AccountCache } from './account-cache.js';
import { CountingLedger, visitChangedRows } from './account-row-writes.js';
import { READ_MODEL_FORMAT, ROW, createReadModelTables, emptyReadModelTables } from './sqlite-read-model-schema.js';

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
  /** counting records known to be in the tables (records are only ever added) */
  private readonly counting = new CountingLedger();
  /** the body last written for each row's model (account, device, view), to skip rows that did not change */
  private readonly written = new WeakMap<object, string>();
  /** per-type messages in the tables (a session's newest of a type is replaced, never changed) */
  private readonly writtenTypes = new WeakSet<object>();
  /** what the transaction under way writes, noted as written once it returns */
  private readonly pending = { bodies: [] as unknown[], types: [] as object[], counting: [] as [SessionModel, readonly CountingRecord[]][] };
  private readonly write: (changes: ChangedRows, position: StoredPosition) => void;
  private readonly db: Database.Database;

  constructor(private readonly store: SqliteEventStore, options: SqliteReadModelOptions = {}) {
    const db = (this.db = store.database);
    createReadModelTables(db);
    this.sql = prepare(db);
    this.accounts = new AccountCache({ load: (id) => this.load(id), ids: () => this.sql.ids.all() as string[] }, options.cacheRows ?? DEFAULT_CACHE_ROWS);
    this.write = db.transaction((changes: ChangedRows, position: StoredPosition) => {
      for (const [id, changed] of changes.accounts) {
        const account = this.accounts.peek(id);
        if (account) this.writeAccount(account, changed);
      }
      this.sql.state.run(NAME, position.commit, position.prepare, READ_MODEL_FORMAT);
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
    try {
      this.write(changes, position);
    } catch (error) {
      this.settle(false);
      throw error;
    }
    this.settle(true);
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

  private writeAccount(account: AccountModel, changed: AccountChanges): void {
    const { id } = account;
    // the newest message time among the sessions written now: an account row that only it moved is left as it was (a load takes the greater)
    let sessionsMax = -Infinity;
    visitChangedRows(account, changed, {
      session: (session) => {
        if (session.lastMsg && session.updateTime > sessionsMax) sessionsMax = session.updateTime;
        // an event about a session nearly always changes its row: written without keeping its body
        this.sql.put.run(id, session.id, ROW.session, '', 0, json(sessionRow(session).facts));
        for (const { type, message } of session.lastByType) {
          // lastMsg's type row is not written: a load takes that type's newest message from the session row
          if (message === session.lastMsg || this.writtenTypes.has(message)) continue;
          this.sql.put.run(id, session.id, ROW.type, type, 0, json(message));
          this.pending.types.push(message);
        }
        this.writeCounting(id, session);
      },
      device: (device) => this.put(device, id, '', ROW.device, device.id, json(deviceRow(device).facts)),
      view: (device, sessionId, view) => this.writeView(id, device, sessionId, view),
    });
    if (this.written.get(account) === undefined || account.maxUpdateTime > sessionsMax) this.put(account, id, '', ROW.account, '', json(accountRow(account).maxUpdateTime));
  }

  private writeView(account: string, device: DeviceModel, sessionId: string, view: DeviceSessionModel): void {
    // unread and the list entry are derived at load: a message that moves only them leaves the row as it was
    this.put(view, account, sessionId, ROW.view, device.id, json(viewOwnFacts(view)));
  }

  /** Writes a row unless the one last written for `model` holds the same (an event about one session leaves most rows as they were). */
  private put(model: object, account: string, session: string, kind: number, key: string, body: string): void {
    if (this.written.get(model) === body) return;
    this.sql.put.run(account, session, kind, key, 0, body);
    this.pending.bodies.push(model, body);
  }

  /** Adds the session's counting records not stored yet (all of them again after a drop, if its list shrank). */
  private writeCounting(account: string, session: SessionModel): void {
    const { drop, records } = this.counting.pending(session);
    if (!drop && records.length === 0) return;
    if (drop) this.sql.dropCounting.run(account, session.id, ROW.counting);
    for (const record of records) this.sql.counting.run(account, session.id, ROW.counting, record.key, record.seq, json(record));
    this.pending.counting.push([session, records]);
  }

  /** The transaction wrote the pending rows: they are what the tables hold now. */
  private settle(written: boolean): void {
    const { bodies, types, counting } = this.pending;
    if (written) {
      for (let i = 0; i < bodies.length; i += 2) this.written.set(bodies[i] as object, bodies[i + 1] as string);
      for (const message of types) this.writtenTypes.add(message);
      for (const [session, records] of counting) this.counting.stored(session, records);
    }
    bodies.length = 0;
    types.length = 0;
    counting.length = 0;
  }

  private load(id: string): AccountModel | undefined {
    const rows = this.sql.readAccount.all(id) as [string, bigint, string, string][];
    const account = rows.length > 0 && rows[0]![1] === BigInt(ROW.account) ? accountFromRows(ordered(id, rows)) : undefined;
    if (!account) return undefined;
    // the account row as stored, which a message that moves only its sessions' newest time leaves as it is
    this.written.set(account, rows[0]![3]);
    // what was read is what the tables hold
    this.counting.loaded(account);
    for (const session of account.sessions.values()) for (const { message } of session.lastByType) if (message !== session.lastMsg) this.writtenTypes.add(message);
    return account;
  }
}

/** An account's rows, read in key order, as accountFromRows takes them (its lists in their order). */
function ordered(id: string, rows: readonly [string, bigint, string, string][]): AccountRows {
  const out = { account: { id, maxUpdateTime: null as number | null }, sessions: [] as SessionRow[], devices: [] as DeviceRow[], views: [] as ViewRow[], counting: [] as CountingRow[], types: [] as TypeRow[] };
  for (const [session, kind, key, body] of rows) {
    const value = JSON.parse(body);
    switch (Number(kind)) {
      case ROW.account: out.account.maxUpdateTime = value; break;
      case ROW.device: out.devices.push({ device: key, facts: value }); break;
      case ROW.session: out.sessions.push({ sessionId: session, facts: value }); break;
      case ROW.view: out.views.push({ device: key, sessionId: session, updateTime: value.indexedAt ?? null, unread: 0, facts: value }); break;
      case ROW.type: out.types.push({ sessionId: session, type: key, message: value }); break;
      case ROW.counting: out.counting.push({ sessionId: session, record: value }); break;
      default: break;
    }
  }
  // each type's index in time order, so it is built by appends (a device's list is ordered as the load derives it)
  out.types.sort((a, b) => cmp(a.type, b.type) || a.message.time - b.message.time || cmp(a.sessionId, b.sessionId));
  // each session's records in (time, seq) order, sessions kept together
  out.counting.sort((a, b) => cmp(a.sessionId, b.sessionId) || a.record.time - b.record.time || a.record.seq - b.record.seq || cmp(a.record.key, b.record.key));
  return out;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function prepare(db: Database.Database) {
  return {
    // one index seek per account (the rows of an account lie together; its account row comes first)
    ids: db.prepare(`WITH RECURSIVE a(id) AS (SELECT min(account) FROM rm_rows UNION ALL SELECT (SELECT min(account) FROM rm_rows WHERE account > a.id) FROM a WHERE a.id IS NOT NULL) SELECT id FROM a WHERE id IS NOT NULL`).pluck(),
    readState: db.prepare('SELECT commit_position AS "commit", prepare_position AS prepare, format FROM rm_state WHERE name = ?'),
    state: db.prepare('INSERT INTO rm_state (name, commit_position, prepare_position, format) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET commit_position = excluded.commit_position, prepare_position = excluded.prepare_position, format = excluded.format'),
    put: db.prepare('INSERT INTO rm_rows (account, session, kind, key, seq, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account, session, kind, key, seq) DO UPDATE SET body = excluded.body'),
    counting: db.prepare('INSERT OR IGNORE INTO rm_rows (account, session, kind, key, seq, body) VALUES (?, ?, ?, ?, ?, ?)'),
    dropCounting: db.prepare('DELETE FROM rm_rows WHERE account = ? AND session = ? AND kind = ?'),
    readAccount: db.prepare('SELECT session, kind, key, body FROM rm_rows WHERE account = ?').raw(),
  };
}
