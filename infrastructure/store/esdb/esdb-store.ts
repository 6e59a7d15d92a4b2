import {
  ANY, BACKWARDS, END, FORWARDS, NO_STREAM, START as ESDB_START, StreamNotFoundError,
  type AllStreamSubscription, type ExpectedRevision as ClientExpectedRevision, type EventStoreDBClient,
  type ReadRevision, type ResolvedEvent, type AllStreamResolvedEvent,
} from '@eventstore/db-client';
import {
  START, StoreClosedError, WrongExpectedVersionError, comparePositions,
  type AppendResult, type BatchHandler, type EventStore, type EventToAppend, type ExpectedRevision, type Position,
  type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type StoredCheckpoint, type SubscribeOptions, type Subscription,
} from '../../../application/ports/event-store.js';
import { leaseClient, type ClientLease } from './esdb-connection.js';
import { appendTooLarge, translateError, withDeadline } from './esdb-errors.js';
import { EsdbCheckpoints } from './esdb-checkpoints.js';
import { isLedgerEvent, sizedEventData, toRecordedEvent } from './esdb-events.js';
import { serverFilter, toClientExpected } from './esdb-requests.js';
import { countLimit } from '../shared/read-ranges.js';
import { EsdbSubscription, type ReconnectPolicy } from './esdb-subscription.js';
import { matchesFilter } from '../shared/event-filter.js';
import { SubscriptionSet } from '../shared/subscription-set.js';
import { validateAppend, checkedTarget, checkStreamText } from '../shared/append-rules.js';
import { checkStreamPrefix } from '../shared/stream-prefix.js';
import { readUntilCaughtUp } from '../shared/catch-up-read.js';

export interface EsdbStoreOptions {
  /**
   * How long one call may wait for the server before it fails with StoreUnavailableError.
   * Default: the connection string's `defaultDeadline`, else 10 s.
   */
  readonly operationTimeoutMs?: number;
  /** pauses between resubscription attempts after the connection dropped; default 50 ms doubling to 2 s */
  readonly reconnect?: ReconnectPolicy;
  /**
   * The server's MaxAppendSize (default 1,048,576, EventStoreDB's default): a larger append is
   * refused here, before it is sent, with the error the server's refusal gives.
   */
  readonly maxAppendSize?: number;
}

/** EventStoreDB's default MaxAppendSize */
export const ESDB_MAX_APPEND_SIZE = 1_048_576;

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RECONNECT: ReconnectPolicy = { minDelayMs: 50, maxDelayMs: 2_000 };
/** events per read call: keeps every call well inside its deadline */
const PAGE_SIZE = 1_000;

/**
 * The EventStore port on EventStoreDB (`@eventstore/db-client`). The server's own rules decide
 * expected revisions, idempotency and deletes; this adapter maps them to the port's errors, keeps
 * system events and its checkpoint streams out of readAll and subscriptions, bounds every call by a
 * deadline, and resubscribes after a dropped connection.
 */
export class EsdbEventStore implements EventStore {
  private readonly subscriptions = new SubscriptionSet<EsdbSubscription>();
  /** calls not settled yet: close() lets them finish (each is bounded by the deadline) */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  private constructor(
    private readonly lease: ClientLease,
    private readonly timeoutMs: number,
    private readonly reconnect: ReconnectPolicy,
    private readonly maxAppendSize: number,
  ) {
    this.checkpoints = new EsdbCheckpoints({
      endpoint: lease.endpoint,
      timeoutMs,
      client: () => this.client,
      read: (stream, options) => this.read(stream, options),
      append: (stream, events, options) => this.append(stream, events, options),
    });
  }

  private readonly checkpoints: EsdbCheckpoints;

  /** Connects and checks the server answers, so a wrong address fails here and not at first use. */
  static async connect(connectionString: string, options: EsdbStoreOptions = {}): Promise<EsdbEventStore> {
    const lease = leaseClient(connectionString);
    const timeoutMs = options.operationTimeoutMs ?? lease.defaultDeadline ?? DEFAULT_TIMEOUT_MS;
    const store = new EsdbEventStore(lease, timeoutMs, options.reconnect ?? DEFAULT_RECONNECT, options.maxAppendSize ?? ESDB_MAX_APPEND_SIZE);
    try {
      await store.readPage('connecting', () => store.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }));
    } catch (error) {
      await lease.release();
      throw error;
    }
    return store;
  }

  private get client(): EventStoreDBClient {
    return this.lease.client;
  }

  appendToStream(stream: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    return this.track(() => this.append(stream, events, options));
  }

  readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.track(() => this.read(stream, options));
  }

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.track(() => this.readLog(options));
  }

  /**
   * The client's readAll takes no filter, so this is a catch-up subscription to `$all` with the
   * server-side stream-name filter, ended once caught up: only the prefix's events cross the wire
   * (EventStoreDB itself still walks its log to filter, sending a checkpoint every 32 events).
   */
  readStreamsWithPrefix(prefix: string): Promise<RecordedEvent[]> {
    return this.track(async () => {
      checkStreamPrefix(prefix);
      return readUntilCaughtUp(this, { streamPrefixes: [prefix] });
    });
  }

  deleteStream(stream: string, options: { expectedRevision?: ExpectedRevision } = {}): Promise<void> {
    return this.track(() => this.softDelete(stream, options));
  }

  tombstoneStream(stream: string, options: { expectedRevision?: ExpectedRevision } = {}): Promise<void> {
    return this.track(() => this.tombstone(stream, options));
  }

  readCheckpoint(name: string): Promise<StoredCheckpoint | null> {
    return this.track(() => this.checkpoints.load(name));
  }

  writeCheckpoint(name: string, checkpoint: StoredCheckpoint): Promise<void> {
    return this.track(() => this.checkpoints.save(name, checkpoint));
  }

  private async append(stream: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision }): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    validateAppend(stream, events, expected);
    const context = { endpoint: this.lease.endpoint, operation: `appending to ${stream}`, stream, expected };
    const sized = events.map(sizedEventData);
    const size = sized.reduce((sum, e) => sum + e.size, 0);
    // the server would refuse it; sent, a message over its gRPC limit would also cut the connection other calls share
    if (size > this.maxAppendSize) throw appendTooLarge(context.operation, this.maxAppendSize, size);
    const data = sized.map((e) => e.event);
    try {
      const result = await withDeadline(this.timeoutMs, context, () =>
        this.client.appendToStream(stream, data, { expectedRevision: toClientExpected(expected), deadline: this.timeoutMs }),
      );
      if (result.position) return { nextExpectedRevision: result.nextExpectedRevision, position: result.position };
      // nothing written (an empty batch) or a server that answers retries without a position
      return await this.resultAt(stream, result.nextExpectedRevision);
    } catch (error) {
      throw translateError(error, context);
    }
  }

  private async read(stream: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    checkStreamText(stream);
    const forwards = (options.direction ?? 'forwards') === 'forwards';
    const limit = countLimit(options.maxCount);
    let from: ReadRevision = options.fromRevision ?? (forwards ? ESDB_START : END);
    if (typeof from === 'bigint' && from < 0n) {
      throw new RangeError(`fromRevision ${from} for ${stream} is negative: pass a revision from 0n, 'start' or 'end'`);
    }
    const picked: RecordedEvent[] = [];
    try {
      while (picked.length < limit) {
        const count = Math.min(PAGE_SIZE, limit - picked.length);
        const page = await this.readPage(`reading ${stream}`, () =>
          this.client.readStream(stream, { direction: forwards ? FORWARDS : BACKWARDS, fromRevision: from, maxCount: count }),
        );
        for (const resolved of page) {
          const event = toRecordedEvent(resolved);
          if (event) picked.push(event);
        }
        const last = page.at(-1)?.event;
        if (page.length < count || !last) break;
        if (!forwards && last.revision === 0n) break;
        from = forwards ? last.revision + 1n : last.revision - 1n;
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return picked;
      throw translateError(error, { endpoint: this.lease.endpoint, operation: `reading ${stream}`, stream });
    }
    return picked;
  }

  private async readLog(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const forwards = (options.direction ?? 'forwards') === 'forwards';
    const limit = countLimit(options.maxCount);
    const picked: RecordedEvent[] = [];
    // both directions exclude fromPosition: EventStoreDB includes it forwards, so skip it here
    let bound = options.fromPosition;
    if (!forwards && bound && comparePositions(bound, START) <= 0) return picked;
    while (picked.length < limit) {
      const from = bound && comparePositions(bound, START) > 0 ? bound : forwards ? ESDB_START : END;
      const page = await this.readPage('reading $all', () =>
        this.client.readAll({ direction: forwards ? FORWARDS : BACKWARDS, fromPosition: from, maxCount: PAGE_SIZE }),
      );
      let last: Position | undefined;
      for (const resolved of page) {
        const event = toRecordedEvent(resolved);
        if (!event) continue;
        const order = bound ? comparePositions(event.position, bound) : forwards ? 1 : -1;
        if (forwards ? order <= 0 : order >= 0) continue;
        last = event.position;
        if (isLedgerEvent(event) && matchesFilter(options.filter, event)) {
          picked.push(event);
          if (picked.length === limit) break;
        }
      }
      if (page.length < PAGE_SIZE || !last) break;
      bound = last;
    }
    return picked;
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return this.subscriptions.open(new EsdbSubscription({
      source: {
        open: (after, onCheckpoint) => this.openSubscription(after, options.filter, onCheckpoint),
        endOfLog: async () => {
          const [last] = await this.readPage('finding the end of $all', () =>
            this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }),
          );
          return last?.event?.position;
        },
      },
      fromPosition: options.fromPosition,
      filter: options.filter,
      handler,
      policy: this.reconnect,
      onEnd: (ended) => this.subscriptions.forget(ended),
    }));
  }

  private async softDelete(stream: string, options: { expectedRevision?: ExpectedRevision }): Promise<void> {
    const expected = checkedTarget(stream, options);
    const context = { endpoint: this.lease.endpoint, operation: `deleting ${stream}`, stream, expected };
    try {
      // the client cannot send 'stream_exists' with a delete: pin the revision that exists now instead
      let revision: typeof ANY | typeof NO_STREAM | bigint;
      if (expected === 'stream_exists') {
        const [last] = await this.read(stream, { direction: 'backwards', maxCount: 1 });
        if (!last) throw new WrongExpectedVersionError(stream, expected, 'no_stream');
        revision = last.revision;
      } else {
        revision = expected === 'any' ? ANY : expected === 'no_stream' ? NO_STREAM : expected;
      }
      await withDeadline(this.timeoutMs, context, () => this.client.deleteStream(stream, { expectedRevision: revision, deadline: this.timeoutMs }));
    } catch (error) {
      throw translateError(error, context);
    }
  }

  private async tombstone(stream: string, options: { expectedRevision?: ExpectedRevision }): Promise<void> {
    const expected = checkedTarget(stream, options);
    const context = { endpoint: this.lease.endpoint, operation: `tombstoning ${stream}`, stream, expected };
    try {
      await withDeadline(this.timeoutMs, context, () =>
        // the client's tombstoneStream sends stream_exists too, though its type leaves it out
        this.client.tombstoneStream(stream, { expectedRevision: toClientExpected(expected) as ClientExpectedRevision, deadline: this.timeoutMs }),
      );
    } catch (error) {
      throw translateError(error, context);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscriptions.close();
    await Promise.allSettled([...this.inFlight]);
    await this.lease.release();
  }

  /** Runs a public call: refused once the store is closed, and waited for by close(). */
  private track<T>(call: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    const running = call();
    this.inFlight.add(running);
    const forget = () => this.inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  private openSubscription(
    after: Position | undefined,
    filter: SubscribeOptions['filter'],
    onCheckpoint: (subscription: AllStreamSubscription, position: Position) => void,
  ): AllStreamSubscription {
    return this.client.subscribeToAll(
      { fromPosition: after ?? ESDB_START, filter: serverFilter(filter, onCheckpoint) },
      // room for a few large batches; beyond it the client's stream pauses and gRPC pushes back
      { highWaterMark: 1_024 },
    );
  }

  /** Collects one read within the deadline; a read that times out is cancelled. */
  private async readPage<E extends ResolvedEvent | AllStreamResolvedEvent>(
    operation: string,
    open: () => AsyncIterable<E> & { cancel(): Promise<void> },
  ): Promise<E[]> {
    const context = { endpoint: this.lease.endpoint, operation };
    let read: (AsyncIterable<E> & { cancel(): Promise<void> }) | undefined;
    try {
      return await withDeadline(
        this.timeoutMs,
        context,
        async () => {
          read = open();
          const events: E[] = [];
          for await (const resolved of read) events.push(resolved);
          return events;
        },
        () => void read?.cancel().catch(() => undefined),
      );
    } catch (error) {
      if (error instanceof StreamNotFoundError) throw error;
      throw translateError(error, context);
    }
  }

  /** The answer to an append that wrote nothing: the stream's last revision and that event's position. */
  private async resultAt(stream: string, revision: bigint): Promise<AppendResult> {
    // the client reports "no stream" after an empty append as revision 0: the event there decides
    const [event] = revision >= 0n ? await this.read(stream, { fromRevision: revision, maxCount: 1 }) : [];
    if (event && event.revision === revision) return { nextExpectedRevision: revision, position: event.position };
    return { nextExpectedRevision: revision === 0n ? -1n : revision, position: START };
  }

}
