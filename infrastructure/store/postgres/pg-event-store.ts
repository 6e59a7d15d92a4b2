import pg from 'pg';
import {
  StoreClosedError,
  StreamDeletedError,
  type AppendResult,
  type BatchHandler,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StoredCheckpoint,
  type SubscribeOptions,
  type Subscription,
} from '../../../application/ports/event-store.js';
import { checkDeleteExpectation, streamExists, validateAppend, checkedTarget } from '../shared/append-rules.js';
import { decodeJson, encodeJson } from '../shared/json.js';
import { logRange, streamRange } from '../shared/read-ranges.js';
import { describeEndpoint, isTransientFailure, translatePgError, type WriteOutcome } from './pg-errors.js';
import { checkCheckpointName, checkCheckpointPosition, checkEvents, checkFilter, checkStreamName, filterError } from './pg-input.js';
import { EVENT_COLUMNS, fromRow, logHead, prefixReadSql, prepared, readLogPage, sqlLimit, type EventRow } from './pg-log.js';
import { checkStreamPrefix, prefixUpperBound } from '../shared/stream-prefix.js';
import { CommitNotifier, channelOf } from './pg-notifier.js';
import { PgLeaseElector } from './pg-lease.js';
import { PgKeyLocks } from './pg-key-locks.js';
import { lockStream, streamState } from './pg-stream-rows.js';
import { appendInTransaction, type PgWriteHook } from './pg-append.js';
import { MAX_EVENTS_PER_TRANSACTION, ensureSchema, positionSql, type PositionSql } from './pg-schema.js';
import { PgSubscription, type PollPolicy } from './pg-subscription.js';
import { LostWrite, commitAfter, inTransaction } from './pg-transaction.js';

export interface PgStoreOptions {
  /** connections in the pool (default 10) */
  readonly poolSize?: number;
  readonly poll?: Partial<PollPolicy>;
  /** how long a connection attempt or one statement may take before the server counts as unreachable (default 30 s) */
  readonly timeoutMs?: number;
}

const DEFAULT_POLL: PollPolicy = { idleMs: 500, minRetryMs: 100, maxRetryMs: 5000 };
const DEFAULT_TIMEOUT_MS = 30_000;
/** what a caller may do about a write whose outcome is unknown */
const APPEND_RETRY = 'retrying it with the same event ids is safe: they are recorded once';
const DELETE_RETRY = 'read the stream to find out before retrying';

/**
 * The event store on PostgreSQL (`pg`), for many ledger processes on one database. Each append is
 * one transaction that locks its stream's row, so appends to different streams run side by side.
 * Reads of the global log and subscriptions stay below the oldest running transaction (see
 * pg-schema.ts); subscriptions are woken by this process's commits and by NOTIFY from others.
 */
export class PgEventStore implements EventStore {
  private readonly subscriptions = new Set<PgSubscription>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly endpoint: string;
  private readonly poll: PollPolicy;
  private closed = false;
  private writeHook: PgWriteHook | undefined;
  private closing: Promise<void> | undefined;

  static async connect(connectionString: string, options: PgStoreOptions = {}): Promise<PgEventStore> {
    // pipeline mode (pg 8.23, not yet in @types/pg): statements queued on a connection go out at once
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // a server that stops answering (a partition) fails calls after `timeout` instead of hanging them
    const pool = new pg.Pool({
      connectionString,
      max: options.poolSize ?? 10,
      pipeline: true,
      connectionTimeoutMillis: timeout,
      query_timeout: timeout,
      keepAlive: true,
    } as pg.PoolConfig);
    // an idle client that loses its connection must not crash the process; the next query reports it
    pool.on('error', () => undefined);
    // nor may a new one that the server ends in the packet that completes its start-up: pool.connect()
    // hands it over a microtask later, after its 'error' (the failed statements still report it)
    pool.on('connect', (client) => client.on('error', () => undefined));
    try {
      const client = await pool.connect();
      try {
        const { schema, origin } = await ensureSchema(client);
        const store = new PgEventStore(pool, connectionString, schema, positionSql(origin), { ...options, timeoutMs: timeout });
        await store.notifier.listen().catch(async (error: unknown) => {
          await store.notifier.close();
          throw error;
        });
        return store;
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw translatePgError(error, { endpoint: describeEndpoint(connectionString), operation: 'opening the store' });
    }
  }

  private readonly notifier: CommitNotifier;
  /** leases for the work one process does for all on this store (session advisory locks, scoped to its schema) */
  readonly leases: PgLeaseElector;
  /** turns that processes on this store take together (deciding under an account's lock) */
  readonly locks: PgKeyLocks;

  private constructor(
    private readonly pool: pg.Pool,
    connectionString: string,
    schema: string,
    private readonly positions: PositionSql,
    options: PgStoreOptions,
  ) {
    this.endpoint = describeEndpoint(connectionString);
    this.poll = { ...DEFAULT_POLL, ...options.poll };
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.notifier = new CommitNotifier(connectionString, channelOf(schema), () => this.wakeAll(), timeout);
    this.leases = new PgLeaseElector(connectionString, schema, timeout);
    this.locks = new PgKeyLocks(connectionString, schema, this.endpoint, timeout);
  }

  async appendToStream(stream: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    this.ensureOpen();
    const expected = options.expectedRevision ?? 'any';
    validateAppend(stream, events, expected);
    checkStreamName(stream);
    checkEvents(stream, events);
    if (events.length > MAX_EVENTS_PER_TRANSACTION) {
      throw new RangeError(`an append to ${stream} of ${events.length} events exceeds the ${MAX_EVENTS_PER_TRANSACTION} one transaction can hold: split it`);
    }
    // encode now, so data that cannot be JSON rejects this append alone
    const encoded = events.map((event) => ({ id: event.id, type: event.type, data: encodeJson(event.data), metadata: encodeJson(event.metadata) }));
    return this.transaction(`appending to ${stream}`, APPEND_RETRY, (db) => appendInTransaction(db, this.positions, stream, encoded, expected, this.writeHook));
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.ensureOpen();
    checkStreamName(stream);
    return this.guard(`reading ${stream}`, async () => {
      const state = await streamState(this.pool, stream);
      if (state.tombstoned) throw new StreamDeletedError(stream);
      const range = streamRange(options, state);
      if (range.low > range.high || range.limit === 0) return [];
      const { rows } = await this.pool.query<EventRow>(prepared(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = $1 AND revision BETWEEN $2 AND $3
         ORDER BY events.revision ${range.forwards ? 'ASC' : 'DESC'} LIMIT $4`,
        [stream, range.low.toString(), range.high.toString(), sqlLimit(range.limit)],
      ));
      return rows.map(fromRow);
    }, true);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.ensureOpen();
    const range = logRange(options);
    checkFilter(options.filter);
    return this.guard('reading the global log', async () => (await readLogPage(this.pool, this.positions, range, options.filter)).events, true);
  }

  /**
   * `db`: a write transaction's own connection, for a read inside it (a read on the pool there could
   * wait for a connection that the transactions queued behind this one's account lock all hold).
   */
  async readStreamsWithPrefix(prefix: string, db?: pg.Pool | pg.PoolClient): Promise<RecordedEvent[]> {
    this.ensureOpen();
    checkStreamPrefix(prefix);
    checkFilter({ streamPrefixes: [prefix] });
    const bound = prefixUpperBound(prefix);
    return this.guard(`reading the streams under ${JSON.stringify(prefix)}`, async () => {
      const { rows } = await (db ?? this.pool).query<EventRow>(prepared(prefixReadSql(this.positions, bound !== undefined), bound === undefined ? [prefix] : [prefix, bound]));
      return rows.map(fromRow);
    }, db === undefined || db === this.pool);
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    const source = {
      readPage: (after: bigint, filter: SubscribeOptions['filter'], limit: number) =>
        this.guard('following the global log', () => readLogPage(this.pool, this.positions, { forwards: true, bound: after, limit }, filter)),
      head: () => this.guard('following the global log', () => logHead(this.pool)),
    };
    const subscription = new PgSubscription(source, options, handler, this.poll, (ended) => this.subscriptions.delete(ended));
    const refused = this.closed ? new StoreClosedError() : filterError(options.filter);
    if (refused) {
      subscription.fail(refused);
    } else {
      this.subscriptions.add(subscription);
      subscription.start();
    }
    return subscription;
  }

  /** Soft delete: hides the events written so far; they stay in the global log. */
  async deleteStream(stream: string, options: { expectedRevision?: ExpectedRevision } = {}): Promise<void> {
    this.ensureOpen();
    const expected = checkedTarget(stream, options);
    checkStreamName(stream);
    await this.transaction(`deleting ${stream}`, DELETE_RETRY, async (db) => {
      const state = await lockStream(db, stream);
      checkDeleteExpectation(stream, expected, state);
      await commitAfter(db, streamExists(state) ? db.query('UPDATE streams SET visible_from = last_revision + 1 WHERE name = $1', [stream]) : undefined);
    });
  }

  async tombstoneStream(stream: string, options: { expectedRevision?: ExpectedRevision } = {}): Promise<void> {
    this.ensureOpen();
    const expected = checkedTarget(stream, options);
    checkStreamName(stream);
    await this.transaction(`tombstoning ${stream}`, DELETE_RETRY, async (db) => {
      checkDeleteExpectation(stream, expected, await lockStream(db, stream));
      await commitAfter(db, db.query('UPDATE streams SET tombstoned = true WHERE name = $1', [stream]));
    });
  }

  async readCheckpoint(name: string): Promise<StoredCheckpoint | null> {
    this.ensureOpen();
    checkCheckpointName(name);
    return this.guard(`reading checkpoint ${name}`, async () => {
      const { rows } = await this.pool.query<{ commit: string; prepare: string; state: string }>(
        'SELECT commit_position::text AS commit, prepare_position::text AS prepare, state FROM checkpoints WHERE name = $1',
        [name],
      );
      const row = rows[0];
      return row ? { position: { commit: BigInt(row.commit), prepare: BigInt(row.prepare) }, state: decodeJson(row.state) } : null;
    }, true);
  }

  async writeCheckpoint(name: string, checkpoint: StoredCheckpoint): Promise<void> {
    this.ensureOpen();
    checkCheckpointName(name);
    checkCheckpointPosition(name, checkpoint.position);
    const state = encodeJson(checkpoint.state);
    const { commit, prepare } = checkpoint.position;
    await this.guard(`writing checkpoint ${name}`, () =>
      this.pool.query(
        `INSERT INTO checkpoints (name, commit_position, prepare_position, state) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET commit_position = excluded.commit_position,
           prepare_position = excluded.prepare_position, state = excluded.state`,
        [name, commit.toString(), prepare.toString(), state],
      ),
      true,
    );
  }

  /** For read-model tables in this database: every append's transaction runs `hook` (undefined: none). */
  hookWrites(hook: PgWriteHook | undefined): void {
    this.writeHook = hook;
  }

  /** A write transaction of the read-model tables' own (`work` ends with commitAfter); repeating it is safe. */
  writeTables<T>(operation: string, work: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    this.ensureOpen();
    return this.transaction(operation, 'saving the rows again is safe', work);
  }

  /** A read of the read-model tables. */
  readTables<T>(operation: string, work: (db: pg.Pool) => Promise<T>): Promise<T> {
    this.ensureOpen();
    return this.guard(operation, () => work(this.pool), true);
  }

  /** Ends the subscriptions, lets the calls in flight finish, then closes the connections. */
  close(): Promise<void> {
    // every caller, the first or a later one, resolves once the connections are closed
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    for (const subscription of [...this.subscriptions]) subscription.fail(new StoreClosedError());
    await Promise.allSettled([...this.inFlight]);
    await Promise.all([this.notifier.close(), this.locks.close()]);
    await this.pool.end();
  }

  /**
   * Runs `work` in one transaction (pg-transaction.ts); `work` ends with commitAfter. Every
   * transaction's end, a commit or a rollback, wakes this process's subscriptions and tells the
   * other processes: a rolled-back one may have been holding back their horizon. Connection
   * trouble becomes StoreUnavailableError saying whether anything may have been recorded.
   */
  private transaction<T>(operation: string, retry: string, work: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    const ended = () => {
      this.wakeAll();
      this.notifier.committed();
    };
    return this.guard(operation, () =>
      inTransaction(this.pool, work, ended).catch((error: unknown) => {
        if (!(error instanceof LostWrite)) throw error;
        const outcome: WriteOutcome = error.committing ? { kind: 'unknown', retry } : { kind: 'none' };
        throw translatePgError(error.error, { endpoint: this.endpoint, operation, outcome });
      }),
    );
  }

  /**
   * Tracks the call for close(), and turns connection trouble into StoreUnavailableError. A
   * `retryable` call (a read, or a write that is the same when done twice) runs once more when
   * its connection turns out to be lost.
   */
  private guard<T>(operation: string, action: () => Promise<T>, retryable = false): Promise<T> {
    const attempt = retryable ? () => action().catch((error: unknown) => (isTransientFailure(error) ? action() : Promise.reject(error))) : action;
    const running = attempt().catch((error: unknown) => {
      throw translatePgError(error, { endpoint: this.endpoint, operation });
    });
    this.inFlight.add(running);
    const untrack = () => this.inFlight.delete(running);
    running.then(untrack, untrack);
    return running;
  }

  private wakeAll(): void {
    for (const subscription of this.subscriptions) subscription.wake();
  }

  private ensureOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}
