import {
  START, StoreClosedError, StreamDeletedError,
  type AppendResult, type BatchHandler, type EventFilter, type EventStore, type EventToAppend, type ExpectedRevision,
  type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type StoredCheckpoint, type SubscribeOptions, type Subscription,
} from '../../../application/ports/event-store.js';
import { matchesFilter } from '../shared/event-filter.js';
import { NEW_STREAM, checkStreamText, checkDeleteExpectation, decideAppend, streamExists, validateAppend, checkedTarget, type StreamState } from '../shared/append-rules.js';
import { decodeJson, encodeJson, fromKept, keep, type Kept } from '../shared/json.js';
import { LiveFeed } from '../shared/live-feed.js';
import { logRange, streamRange } from '../shared/read-ranges.js';
import { checkStreamPrefix, insertSorted, namesWithPrefix } from '../shared/stream-prefix.js';
import { positionAt, recordedWith, type KeptEvent } from '../shared/records.js';

/** An event as this store keeps it: data and metadata as plain copies (or JSON text, see keep). */
type StoredEvent = KeptEvent<Kept>;

/** A fresh copy on every read, so that no caller can mutate what another one reads. */
function toRecordedEvent(stored: StoredEvent): RecordedEvent {
  return recordedWith(stored, fromKept);
}

interface MemoryStream {
  /** indexed by revision, soft-deleted events included */
  readonly events: StoredEvent[];
  readonly revisionsById: Map<string, bigint>;
  visibleFrom: bigint;
  tombstoned: boolean;
}

/**
 * The event store in process memory, for unit tests. Every operation completes synchronously
 * inside its promise, so appends commit and reach caught-up subscribers in call order.
 */
export class MemoryEventStore implements EventStore {
  /** the global log: an event's position is its index */
  private readonly log: StoredEvent[] = [];
  private readonly streams = new Map<string, MemoryStream>();
  /** every stream name, sorted: the names with a prefix are found by binary search */
  private readonly names: string[] = [];
  private readonly checkpoints = new Map<string, { position: StoredCheckpoint['position']; state: string }>();
  private readonly feed = new LiveFeed({
    readAfter: (after, filter, limit) => this.scanForwards(after, filter, limit),
    head: () => BigInt(this.log.length) - 1n,
  });
  private closed = false;

  async appendToStream(stream: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    this.ensureOpen();
    const expected = options.expectedRevision ?? 'any';
    validateAppend(stream, events, expected);
    const existing = this.streams.get(stream);
    const ids = events.map((event) => event.id);
    const decision = decideAppend(stream, ids, expected, stateOf(existing), (id) => existing?.revisionsById.get(id));
    if (decision.kind === 'unchanged') return this.resultAt(existing, decision.lastRevision);
    // copy before touching the log, so data that cannot be JSON leaves nothing half-written
    const first = this.log.length;
    const written = events.map((event, i): StoredEvent => ({
      position: BigInt(first + i),
      streamName: stream,
      revision: decision.firstRevision + BigInt(i),
      id: event.id,
      type: event.type,
      data: keep(event.data),
      metadata: keep(event.metadata),
    }));
    const target = existing ?? this.createStream(stream);
    for (const event of written) {
      this.log.push(event);
      target.events.push(event);
      target.revisionsById.set(event.id, event.revision);
    }
    this.feed.publish(written.map(toRecordedEvent));
    const last = written[written.length - 1]!;
    return { nextExpectedRevision: last.revision, position: positionAt(last.position) };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.ensureOpen();
    checkStreamText(stream);
    const existing = this.streams.get(stream);
    const range = streamRange(options, stateOf(existing));
    if (existing?.tombstoned) throw new StreamDeletedError(stream);
    if (!existing) return [];
    const picked: RecordedEvent[] = [];
    const step = range.forwards ? 1n : -1n;
    for (let revision = range.forwards ? range.low : range.high; revision >= range.low && revision <= range.high && picked.length < range.limit; revision += step) {
      picked.push(toRecordedEvent(existing.events[Number(revision)]!));
    }
    return picked;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.ensureOpen();
    const range = logRange(options);
    if (range.forwards) return this.scanForwards(range.bound ?? -1n, options.filter, range.limit);
    const picked: RecordedEvent[] = [];
    const before = range.bound === undefined ? this.log.length : Math.min(Number(range.bound), this.log.length);
    for (let i = before - 1; i >= 0 && picked.length < range.limit; i--) {
      const event = this.log[i]!;
      if (matchesFilter(options.filter, event)) picked.push(toRecordedEvent(event));
    }
    return picked;
  }

  async readStreamsWithPrefix(prefix: string): Promise<RecordedEvent[]> {
    this.ensureOpen();
    checkStreamPrefix(prefix);
    const events = namesWithPrefix(this.names, prefix).flatMap((name) => this.streams.get(name)!.events);
    return events.sort((a, b) => (a.position < b.position ? -1 : 1)).map(toRecordedEvent);
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return this.feed.subscribe(options, handler);
  }

  /** Soft delete: hides the events written so far; the events stay in the global log. */
  async deleteStream(stream: string, options: { expectedRevision?: ExpectedRevision } = {}): Promise<void> {
    this.ensureOpen();
    const expected = checkedTarget(stream, options);
    const existing = this.streams.get(stream);
    checkDeleteExpectation(stream, expected, stateOf(existing));
    if (existing && streamExists(stateOf(existing))) existing.visibleFrom = BigInt(existing.events.length);
  }

  async tombstoneStream(stream: string, options: { expectedRevision?: ExpectedRevision } = {}): Promise<void> {
    this.ensureOpen();
    const expected = checkedTarget(stream, options);
    const existing = this.streams.get(stream);
    checkDeleteExpectation(stream, expected, stateOf(existing));
    (existing ?? this.createStream(stream)).tombstoned = true;
  }

  async readCheckpoint(name: string): Promise<StoredCheckpoint | null> {
    this.ensureOpen();
    const saved = this.checkpoints.get(name);
    return saved ? { position: saved.position, state: decodeJson(saved.state) } : null;
  }

  async writeCheckpoint(name: string, checkpoint: StoredCheckpoint): Promise<void> {
    this.ensureOpen();
    const { commit, prepare } = checkpoint.position;
    this.checkpoints.set(name, { position: { commit, prepare }, state: encodeJson(checkpoint.state) });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feed.close();
  }

  private scanForwards(after: bigint, filter: EventFilter | undefined, limit: number): RecordedEvent[] {
    const picked: RecordedEvent[] = [];
    for (let i = Number(after + 1n); i < this.log.length && picked.length < limit; i++) {
      const event = this.log[i]!;
      if (matchesFilter(filter, event)) picked.push(toRecordedEvent(event));
    }
    return picked;
  }

  private resultAt(stream: MemoryStream | undefined, revision: bigint): AppendResult {
    const event = revision >= 0n ? stream?.events[Number(revision)] : undefined;
    return { nextExpectedRevision: revision, position: event ? positionAt(event.position) : START };
  }

  private createStream(name: string): MemoryStream {
    const created: MemoryStream = { events: [], revisionsById: new Map(), visibleFrom: 0n, tombstoned: false };
    this.streams.set(name, created);
    insertSorted(this.names, name);
    return created;
  }

  private ensureOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

function stateOf(stream: MemoryStream | undefined): StreamState {
  if (!stream) return NEW_STREAM;
  return { lastRevision: BigInt(stream.events.length) - 1n, visibleFrom: stream.visibleFrom, tombstoned: stream.tombstoned };
}
