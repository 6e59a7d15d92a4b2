import type Database from 'better-sqlite3';
import {
  START, StoreClosedError, StreamDeletedError, WrongExpectedVersionError,
  type AppendResult, type BatchHandler, type EventFilter, type EventStore, type EventToAppend, type ExpectedRevision,
  type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type StoredCheckpoint, type SubscribeOptions, type Subscription,
} from '../../../application/ports/event-store.js';
import { NEW_STREAM, checkStreamText, checkDeleteExpectation, decideAppend, streamExists, validateAppend, checkedTarget, type StreamState } from '../shared/append-rules.js';
import { GroupCommit } from '../shared/group-commit.js';
import { encodeJson } from '../shared/json.js';
import { LiveFeed } from '../shared/live-feed.js';
import { logRange, streamRange, type LogRange } from '../shared/read-ranges.js';
import { checkStreamPrefix, prefixUpperBound } from '../shared/stream-prefix.js';
import { decoded, justWritten, positionAt, type StoredEvent } from '../shared/records.js';
import { openLedgerDatabase } from './sqlite-schema.js';
import { checkIntegrity, explainDamage, explainDamageOf, markClosedCleanly, storeName, takeCleanMark } from './sqlite-integrity.js';
import { decodeCheckpointState, decodeStored, undecodable } from '../shared/decode-guard.js';

/** an event to write, its data and metadata encoded, with the values they were encoded from */
type EncodedEvent = Pick<StoredEvent, 'id' | 'type' | 'data' | 'metadata'> & { readonly appended: EventToAppend };

/** Work that commits with each write transaction (the read-model tables, infrastructure/readmodels). */
export interface WriteHook {
  /** after the transaction's appends, before its commit; throwing rolls the whole transaction back */
  beforeCommit(events: readonly RecordedEvent[]): void;
  committed(): void;
  rolledBack(): void;
}

/** how many streams' states the store keeps in memory (the longest unwritten go first) */
const STATES_KEPT = 4096;

const EVENT_COLUMNS = 'position, stream, revision, id, type, data, metadata';
type EventRow = [position: bigint, stream: string, revision: bigint, id: string, type: string, data: string, metadata: string];


/**
 * The events of the streams whose names lie in [prefix, bound): a range of the streams table's
 * primary key, then each stream's events through its (stream, revision) index; CROSS JOIN keeps
 * sqlite from scanning the log instead. Exported for the test that checks the plan.
 */
export function prefixReadSql(bounded: boolean): string {
  return `SELECT e.position, e.stream AS streamName, e.revision, e.id, e.type, e.data, e.metadata
    FROM streams s CROSS JOIN events e ON e.stream = s.name
    WHERE s.name >= ?${bounded ? ' AND s.name < ?' : ''} ORDER BY e.position`;
}

/**
 * The embedded, durable event store: better-sqlite3 in WAL mode. Writes go through a group commit
 * (one transaction per turn of the event loop); reads run at once, as sqlite reads are synchronous.
 */
export class SqliteEventStore implements EventStore {
  private readonly feed: LiveFeed;
  private readonly commits: GroupCommit;
  /** events written by the transaction in progress, published once it commits */
  private committing: RecordedEvent[] = [];
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * Recently used streams' rows of the streams table. The file is held exclusively while the store
   * is open, so only this store changes them: kept up to date by its own writes, forgotten on a rollback.
   */
  private readonly states = new Map<string, StreamState>();
  private closed = false;
  private hook: WriteHook | undefined;

  /** A row as an event; one that no longer decodes fails with StoreCorruptError naming where it is. */
  private fromRow(row: EventRow): RecordedEvent {
    try {
      return decoded(row[0], row[1], row[2], row[3], row[4], row[5], row[6]);
    } catch (error) {
      throw undecodable(this.name, row[0], row[1], row[2], error);
    }
  }

  /**
   * Opens the file after `PRAGMA quick_check`, unless the file is exactly as the store's last clean
   * close left it (see takeCleanMark): a damaged one fails with StoreCorruptError naming it.
   */
  static open(path: string): SqliteEventStore {
    const onDisk = path !== ':memory:' && path !== '';
    const closedCleanly = onDisk && takeCleanMark(path);
    let db: Database.Database;
    try {
      db = openLedgerDatabase(path);
    } catch (error) {
      throw explainDamage(error, path);
    }
    try {
      if (!closedCleanly) checkIntegrity(db, path);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteEventStore(db, storeName(path), onDisk ? path : undefined);
  }

  private constructor(private readonly db: Database.Database, private readonly name: string, private readonly path: string | undefined) {
    this.feed = new LiveFeed({
      readAfter: (after, filter, limit) => this.readLog({ forwards: true, bound: after, limit }, filter),
      head: () => this.sql('SELECT coalesce(max(position), -1) FROM events').pluck().get() as bigint,
    });
    const outer = db.transaction((work: () => void) => work());
    const savepoint = db.transaction((work: () => unknown) => work());
    this.commits = new GroupCommit({
      inTransaction: (work) => outer.immediate(() => {
        work();
        if (this.committing.length > 0) this.hook?.beforeCommit(this.committing);
      }),
      isolated: <T>(work: () => T) => savepoint(work) as T,
      committed: () => {
        this.hook?.committed();
        this.feed.publish(this.committing.splice(0));
      },
      rolledBack: () => {
        this.committing.splice(0);
        this.states.clear();
        this.hook?.rolledBack();
      },
    });
  }

  /** The ledger's database, for the read-model tables kept in the same file (infrastructure/readmodels). */
  get database(): Database.Database {
    this.ensureOpen();
    return this.db;
  }

  /** Joins `hook` to every write transaction from now on (undefined: detaches it). */
  hookWrites(hook: WriteHook | undefined): void {
    this.hook = hook;
  }

  /** read-only counters; `transactions` shows how many appends group commit folded together */
  get stats(): { readonly transactions: number } {
    return { transactions: this.commits.transactions };
  }

  async appendToStream(stream: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    this.ensureOpen();
    const expected = options.expectedRevision ?? 'any';
    validateAppend(stream, events, expected);
    // encode now, so data that cannot be JSON rejects this append alone
    const encoded = events.map((event): EncodedEvent => ({ id: event.id, type: event.type, data: encodeJson(event.data), metadata: encodeJson(event.metadata), appended: event }));
    return this.commits.submit(() => this.appendNow(stream, encoded, expected));
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.ensureOpen();
    checkStreamText(stream);
    const state = this.streamState(stream);
    if (state.tombstoned) throw new StreamDeletedError(stream);
    const range = streamRange(options, state);
    const order = range.forwards ? 'ASC' : 'DESC';
    const rows = this.guarded(() => this.rows(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision BETWEEN ? AND ? ORDER BY revision ${order} LIMIT ?`)
      .all(stream, range.low, range.high, sqlLimit(range.limit)) as EventRow[]);
    return rows.map((row) => this.fromRow(row));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.ensureOpen();
    return this.guarded(() => this.readLog(logRange(options), options.filter));
  }

  async readStreamsWithPrefix(prefix: string): Promise<RecordedEvent[]> {
    this.ensureOpen();
    checkStreamPrefix(prefix);
    const bound = prefixUpperBound(prefix);
    const rows = this.guarded(() => this.sql(prefixReadSql(bound !== undefined)).all(...(bound === undefined ? [prefix] : [prefix, bound])) as StoredEvent[]);
    return rows.map((row) => decodeStored(row, this.name));
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return this.feed.subscribe(options, handler);
  }

  /** Soft delete: hides the events written so far; they stay in the global log. */
  async deleteStream(stream: string, options: { expectedRevision?: ExpectedRevision } = {}): Promise<void> {
    this.ensureOpen();
    const expected = checkedTarget(stream, options);
    return this.commits.submit(() => {
      const state = this.streamState(stream);
      checkDeleteExpectation(stream, expected, state);
      if (streamExists(state)) this.sql('UPDATE streams SET visible_from = last_revision + 1 WHERE name = ?').run(stream);
      this.states.delete(stream);
    });
  }

  async tombstoneStream(stream: string, options: { expectedRevision?: ExpectedRevision } = {}): Promise<void> {
    this.ensureOpen();
    const expected = checkedTarget(stream, options);
    return this.commits.submit(() => {
      checkDeleteExpectation(stream, expected, this.streamState(stream));
      this.sql(`INSERT INTO streams (name, last_revision, tombstoned) VALUES (?, -1, 1)
        ON CONFLICT (name) DO UPDATE SET tombstoned = 1`).run(stream);
      this.states.delete(stream);
    });
  }

  async readCheckpoint(name: string): Promise<StoredCheckpoint | null> {
    this.ensureOpen();
    const row = this.sql('SELECT commit_position AS commitPosition, prepare_position AS preparePosition, state FROM checkpoints WHERE name = ?')
      .get(name) as { commitPosition: bigint; preparePosition: bigint; state: string } | undefined;
    return row ? { position: { commit: row.commitPosition, prepare: row.preparePosition }, state: decodeCheckpointState(row.state, name, this.name) } : null;
  }

  async writeCheckpoint(name: string, checkpoint: StoredCheckpoint): Promise<void> {
    this.ensureOpen();
    const state = encodeJson(checkpoint.state);
    const { commit, prepare } = checkpoint.position;
    return this.commits.submit(() => {
      this.sql(`INSERT INTO checkpoints (name, commit_position, prepare_position, state) VALUES (?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET commit_position = excluded.commit_position,
          prepare_position = excluded.prepare_position, state = excluded.state`).run(name, commit, prepare, state);
    });
  }

  /** Commits the writes already queued, ends the subscriptions, then closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.commits.flush();
    this.feed.close();
    this.db.close();
    if (this.path !== undefined) markClosedCleanly(this.path);
  }

  private appendNow(stream: string, events: readonly EncodedEvent[], expected: ExpectedRevision): AppendResult {
    const state = this.streamState(stream);
    const one = events.length === 1 ? this.appendOne(stream, events[0]!, expected, state) : undefined;
    if (one) return one;
    const byId = this.sql('SELECT revision FROM events WHERE stream = ? AND id = ?').pluck();
    // decideAppend asks for the first id twice when the batch is new: once is enough
    let asked: string | undefined;
    let answer: bigint | undefined;
    const revisionOf = (id: string) => {
      if (id !== asked) [asked, answer] = [id, byId.get(stream, id) as bigint | undefined];
      return answer;
    };
    const decision = decideAppend(stream, events.map((event) => event.id), expected, state, revisionOf);
    if (decision.kind === 'unchanged') return this.resultAt(stream, decision.lastRevision);
    return this.finish(stream, state, events.map((event, i) => this.insert(stream, decision.firstRevision + BigInt(i), event)));
  }

  /**
   * The usual append, one new event whose expectation holds: the UNIQUE (stream, id) index finds a
   * retry instead of a lookup first. undefined when decideAppend must look (a conflict or a retry,
   * which it tells apart); nothing is written then.
   */
  private appendOne(stream: string, event: EncodedEvent, expected: ExpectedRevision, state: StreamState): AppendResult | undefined {
    let decision: ReturnType<typeof decideAppend>;
    try {
      decision = decideAppend(stream, [event.id], expected, state, () => undefined);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return undefined;
      throw error;
    }
    if (decision.kind !== 'write') return undefined;
    try {
      return this.finish(stream, state, [this.insert(stream, decision.firstRevision, event)]);
    } catch (error) {
      if (isDuplicateId(error)) return undefined;
      throw error;
    }
  }

  private insert(stream: string, revision: bigint, event: EncodedEvent): RecordedEvent {
    const { lastInsertRowid } = this.sql('INSERT INTO events (stream, revision, id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)')
      .run(stream, revision, event.id, event.type, event.data, event.metadata);
    return justWritten({ id: event.id, type: event.type, data: event.data, metadata: event.metadata, position: BigInt(lastInsertRowid), streamName: stream, revision }, event.appended);
  }

  /** After the events are inserted: the stream's row, its remembered state, the events to publish. */
  private finish(stream: string, state: StreamState, written: readonly RecordedEvent[]): AppendResult {
    const last = written[written.length - 1]!;
    this.sql(`INSERT INTO streams (name, last_revision) VALUES (?, ?)
      ON CONFLICT (name) DO UPDATE SET last_revision = excluded.last_revision`).run(stream, last.revision);
    this.remember(stream, { lastRevision: last.revision, visibleFrom: state.visibleFrom, tombstoned: false });
    for (const event of written) this.committing.push(event);
    return { nextExpectedRevision: last.revision, position: positionAt(last.position.commit) };
  }

  private resultAt(stream: string, revision: bigint): AppendResult {
    const position = revision >= 0n
      ? (this.sql('SELECT position FROM events WHERE stream = ? AND revision = ?').pluck().get(stream, revision) as bigint | undefined)
      : undefined;
    return { nextExpectedRevision: revision, position: position === undefined ? START : positionAt(position) };
  }

  private streamState(stream: string): StreamState {
    const known = this.states.get(stream);
    if (known) return known;
    const row = this.sql('SELECT last_revision AS lastRevision, visible_from AS visibleFrom, tombstoned FROM streams WHERE name = ?')
      .get(stream) as { lastRevision: bigint; visibleFrom: bigint; tombstoned: bigint } | undefined;
    return this.remember(stream, row ? { lastRevision: row.lastRevision, visibleFrom: row.visibleFrom, tombstoned: row.tombstoned === 1n } : NEW_STREAM);
  }

  private remember(stream: string, state: StreamState): StreamState {
    this.states.delete(stream);
    this.states.set(stream, state);
    if (this.states.size > STATES_KEPT) this.states.delete(this.states.keys().next().value!);
    return state;
  }

  private readLog(range: LogRange, filter: EventFilter | undefined): RecordedEvent[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (range.bound !== undefined) {
      where.push(range.forwards ? 'position > ?' : 'position < ?');
      params.push(range.bound);
    }
    for (const [column, prefixes] of [['stream', filter?.streamPrefixes], ['type', filter?.eventTypePrefixes]] as const) {
      if (prefixes === undefined) continue;
      // instr(...) = 1 is a case-sensitive starts-with; LIKE would ignore case
      where.push(prefixes.length === 0 ? '0' : `(${prefixes.map(() => `instr(${column}, ?) = 1`).join(' OR ')})`);
      params.push(...prefixes);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.rows(`SELECT ${EVENT_COLUMNS} FROM events ${clause} ORDER BY position ${range.forwards ? 'ASC' : 'DESC'} LIMIT ?`)
      .all(...params, sqlLimit(range.limit)) as EventRow[];
    return rows.map((row) => this.fromRow(row));
  }

  /** Prepared statements, cached by their text (readAll's vary with the filter's shape). */
  private sql(source: string): Database.Statement {
    let statement = this.statements.get(source);
    if (!statement) {
      statement = this.db.prepare(source);
      this.statements.set(source, statement);
    }
    return statement;
  }

  /** A statement that reads events as arrays in EVENT_COLUMNS' order: no object with named columns per row. */
  private rows(source: string): Database.Statement {
    const statement = this.sql(source);
    return statement.raw(true);
  }

  /** Runs a read: a page sqlite finds damaged fails it with StoreCorruptError naming the store, never a bare SqliteError. */
  private guarded<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      throw explainDamageOf(error, this.name);
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

/** the UNIQUE (stream, id) index refused an insert: that event id is in the stream already */
function isDuplicateId(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' && /\bevents\.id\b/.test(String((error as Error).message));
}

/** sqlite reads LIMIT -1 as "no limit" */
function sqlLimit(limit: number): number {
  return Number.isFinite(limit) ? limit : -1;
}
