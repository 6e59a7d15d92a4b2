/**
 * The event store port: EventStoreDB's semantics, so the memory, sqlite and esdb adapters are
 * interchangeable and one contract suite (test/store/contract.ts) runs against each of them.
 */

/** Global log position. memory and sqlite use the same number for both parts. */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const START: Position = Object.freeze({ commit: -1n, prepare: -1n });

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** `any`, `no_stream`, `stream_exists`, or the exact revision of the stream's last event. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface EventToAppend {
  /** a UUID; appending the same ids again at the same place is idempotent */
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
}

export interface RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: any;
  readonly metadata: Record<string, any>;
  readonly streamName: string;
  /** 0-based revision in its stream */
  readonly revision: bigint;
  readonly position: Position;
}

export interface AppendResult {
  /** revision of the stream's last event after the append */
  readonly nextExpectedRevision: bigint;
  /** position of the last appended event */
  readonly position: Position;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** inclusive; default: start when forwards, end when backwards */
  readonly fromRevision?: bigint | 'start' | 'end';
  readonly maxCount?: number;
}

export interface EventFilter {
  /** keep events whose stream name starts with one of these */
  readonly streamPrefixes?: readonly string[];
  /** keep events whose type starts with one of these */
  readonly eventTypePrefixes?: readonly string[];
}

export interface ReadAllOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** exclusive when forwards: events strictly after it; default START */
  readonly fromPosition?: Position;
  readonly maxCount?: number;
  readonly filter?: EventFilter;
}

export interface SubscribeOptions {
  /** exclusive: delivery starts with the first event after it; default START */
  readonly fromPosition?: Position;
  readonly filter?: EventFilter;
}

/** Called with events in global order; the next batch waits for the returned promise. */
export type BatchHandler = (events: readonly RecordedEvent[]) => void | Promise<void>;

export interface Subscription {
  /** resolves once every event that existed when the subscription started was handled */
  readonly caughtUp: Promise<void>;
  /** rejects if the subscription fails for good (handler threw, store closed underneath) */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

export interface StoredCheckpoint {
  readonly position: Position;
  readonly state: unknown;
}

export interface EventStore {
  appendToStream(stream: string, events: readonly EventToAppend[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;
  /** [] for a stream that does not exist or was soft-deleted; StreamDeletedError if tombstoned */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * Every event of the streams whose names start with `prefix`, in global order: what
   * `readAll({ filter: { streamPrefixes: [prefix] } })` returns, found through those streams (an
   * index of stream names; on EventStoreDB a server-side filter), so that only their events are
   * read and sent, not the rest of the log (SESSIONS S10.3: one account's history).
   */
  readStreamsWithPrefix(prefix: string): Promise<RecordedEvent[]>;
  /** catch up from `fromPosition`, then live; `caughtUp` says when the catch-up ended */
  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription;
  /** soft delete: reads see nothing, a later append continues the revisions */
  deleteStream(stream: string, options?: { expectedRevision?: ExpectedRevision }): Promise<void>;
  /** hard delete: every later read or append raises StreamDeletedError */
  tombstoneStream(stream: string, options?: { expectedRevision?: ExpectedRevision }): Promise<void>;
  /** a projection's checkpoint, with the state it describes (a read-model snapshot) */
  readCheckpoint(name: string): Promise<StoredCheckpoint | null>;
  writeCheckpoint(name: string, checkpoint: StoredCheckpoint): Promise<void>;
  close(): Promise<void>;
}

export class WrongExpectedVersionError extends Error {
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** the stream's actual last revision, or 'no_stream' */
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${streamName}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

export class StreamDeletedError extends Error {
  override readonly name = 'StreamDeletedError';
  constructor(readonly streamName: string) {
    super(`stream ${streamName} was tombstoned: it can be neither read nor appended to`);
  }
}

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
  }
}

export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError';
  constructor() {
    super('the event store is closed');
  }
}

/**
 * The store's own data is damaged: a file that fails its integrity check at open, or a recorded
 * event that no longer decodes. `.store` names the store (for sqlite, its file), `.detail` what is
 * wrong and where (the stream and position of a bad event). Nothing was written.
 */
export class StoreCorruptError extends Error {
  override readonly name = 'StoreCorruptError';
  constructor(readonly store: string, readonly detail: string, override readonly cause?: unknown) {
    super(`${store} is damaged: ${detail}. Restore it from a backup, or move it aside to start an empty store`);
  }
}
