/**
 * The test server's storage: one in-memory transaction log with EventStoreDB's stream rules
 * (expected revisions, idempotent appends by event id, soft delete through `$tb`, tombstones,
 * `$maxCount`). It lives outside the gRPC server so a fault test can stop and restart the server on
 * the same port and find its data again.
 */
import { randomUUID } from 'node:crypto';

/** EventStoreDB's EventNumber.DeletedStream (long.MaxValue): a tombstone's revision, a soft delete's `$tb` */
export const DELETED_REVISION = (1n << 63n) - 1n;

export type Expected = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** EventStoreDB's numeric form of an expected version, as sent in error metadata */
export function expectedVersionNumber(expected: Expected): bigint {
  switch (expected) {
    case 'any':
      return -2n;
    case 'no_stream':
      return -1n;
    case 'stream_exists':
      return -4n;
    default:
      return expected;
  }
}

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

export interface StoredEvent extends ProposedEvent {
  readonly streamName: string;
  readonly revision: bigint;
  /** commit and prepare position (one record per event, so both are the same offset) */
  readonly position: bigint;
  /** .NET ticks (100 ns) since the Unix epoch, as EventStoreDB sends them */
  readonly created: bigint;
}

export type WriteOutcome =
  /** `current` is -1n when the stream still does not exist; no position when nothing was written */
  | { readonly kind: 'success'; readonly current: bigint; readonly position?: bigint }
  /** `current` is -1n when the stream does not exist */
  | { readonly kind: 'wrong-expected-version'; readonly current: bigint }
  | { readonly kind: 'stream-deleted' };

export type StreamView =
  | { readonly kind: 'events'; readonly first: bigint; readonly last: bigint }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'deleted' };

interface StreamMetadata {
  readonly raw: Record<string, unknown>;
  readonly maxCount?: number;
  readonly truncateBefore?: bigint;
  readonly softDeleted: boolean;
}

interface StreamRecord {
  readonly events: StoredEvent[];
  readonly revisionById: Map<string, number>;
  tombstoned: boolean;
  metadata: StreamMetadata;
}

const NO_METADATA: StreamMetadata = Object.freeze({ raw: {}, softDeleted: false });
const METASTREAM_METADATA: StreamMetadata = Object.freeze({ raw: {}, maxCount: 1, softDeleted: false });
const EMPTY = new Uint8Array(0);

export function isMetastream(name: string): boolean {
  return name.startsWith('$$');
}

export interface EsdbDataOptions {
  /** write a `$settings` system event first, as a fresh EventStoreDB has system events in `$all` */
  readonly seedSystemEvents?: boolean;
}

export class EsdbData {
  /** the transaction log in commit order; every record ever written, `$all` reads scan it */
  readonly log: StoredEvent[] = [];
  private readonly streams = new Map<string, StreamRecord>();
  private nextPosition = 0n;
  private appended = deferred();

  constructor(options: EsdbDataOptions = {}) {
    if (options.seedSystemEvents ?? true) {
      const settings = JSON.stringify({ $userStreamAcl: { $r: '$all' }, $systemStreamAcl: { $r: '$admins' } });
      this.append('$settings', 'any', [
        { id: '00000000-0000-4000-8000-000000000001', type: '$settings', contentType: 'application/json', data: utf8(settings), customMetadata: EMPTY },
      ]);
    }
  }

  /** resolves at the next write of any kind; subscriptions wait on it once they are caught up */
  nextAppend(): Promise<void> {
    return this.appended.promise;
  }

  append(name: string, expected: Expected, events: readonly ProposedEvent[]): WriteOutcome {
    if (this.isTombstoned(name)) return { kind: 'stream-deleted' };
    const stream = this.streams.get(name);
    const current = stream ? BigInt(stream.events.length) - 1n : -1n;
    const softDeleted = this.metadataOf(name).softDeleted;
    const decision = this.decide(stream, current, softDeleted, expected, events);
    if (decision !== 'write') return decision;
    if (events.length === 0) return { kind: 'success', current };

    const target = stream ?? this.createStream(name);
    const originalWasDeleted = isMetastream(name) && this.metadataOf(name.slice(2)).softDeleted;
    let last: StoredEvent | undefined;
    for (const event of events) last = this.write(name, target, event);
    if (originalWasDeleted && !this.metadataOf(name.slice(2)).softDeleted) {
      // new metadata for a soft-deleted stream keeps its old events hidden: the server adds a $tb
      const original = name.slice(2);
      this.writeMetadata(original, metadataJson(withoutTruncateBefore(this.metadataOf(original).raw), BigInt(this.streamLength(original))));
    }
    if (softDeleted) {
      // appending to a soft-deleted stream recreates it: the old revisions stay hidden behind $tb
      this.writeMetadata(name, metadataJson(withoutTruncateBefore(this.metadataOf(name).raw), current + 1n));
    }
    this.notify();
    return { kind: 'success', current: last!.revision, position: last!.position };
  }

  deleteStream(name: string, expected: Expected, hard: boolean): WriteOutcome {
    if (this.isTombstoned(name)) return { kind: 'stream-deleted' };
    const stream = this.streams.get(name);
    const current = stream ? BigInt(stream.events.length) - 1n : -1n;
    const exists = current >= 0n && !this.metadataOf(name).softDeleted;
    const matches =
      expected === 'any' ||
      (expected === 'no_stream' && !exists) ||
      (expected === 'stream_exists' && exists) ||
      expected === current;
    if (!matches) return { kind: 'wrong-expected-version', current };

    let position: bigint;
    if (hard) {
      const target = stream ?? this.createStream(name);
      target.tombstoned = true;
      position = this.record({
        id: randomUUID(),
        type: '$streamDeleted',
        contentType: 'application/octet-stream',
        data: EMPTY,
        customMetadata: EMPTY,
        streamName: name,
        revision: DELETED_REVISION,
      }).position;
    } else {
      position = this.writeMetadata(name, metadataJson(withoutTruncateBefore(this.metadataOf(name).raw), DELETED_REVISION)).position;
    }
    this.notify();
    return { kind: 'success', current, position };
  }

  /** which revisions a stream read may return, after `$tb`, `$maxCount`, deletes */
  view(name: string): StreamView {
    if (this.isTombstoned(name)) return { kind: 'deleted' };
    const stream = this.streams.get(name);
    if (!stream || stream.events.length === 0) return { kind: 'not-found' };
    const metadata = this.metadataOf(name);
    if (metadata.softDeleted) return { kind: 'not-found' };
    const last = BigInt(stream.events.length) - 1n;
    let first = 0n;
    if (metadata.truncateBefore !== undefined && metadata.truncateBefore > first) first = metadata.truncateBefore;
    if (metadata.maxCount !== undefined && last - BigInt(metadata.maxCount) + 1n > first) {
      first = last - BigInt(metadata.maxCount) + 1n;
    }
    return { kind: 'events', first, last };
  }

  /** events of a stream by revision, hidden or not (callers apply `view`) */
  eventAt(name: string, revision: bigint): StoredEvent | undefined {
    return this.streams.get(name)?.events[Number(revision)];
  }

  private streamLength(name: string): number {
    return this.streams.get(name)?.events.length ?? 0;
  }

  private isTombstoned(name: string): boolean {
    if (this.streams.get(name)?.tombstoned) return true;
    return isMetastream(name) && this.streams.get(name.slice(2))?.tombstoned === true;
  }

  /** index in `log` of the first record at or after `position` */
  indexAtOrAfter(position: bigint): number {
    let low = 0;
    let high = this.log.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.log[middle]!.position < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private decide(
    stream: StreamRecord | undefined,
    current: bigint,
    softDeleted: boolean,
    expected: Expected,
    events: readonly ProposedEvent[],
  ): 'write' | WriteOutcome {
    const exists = current >= 0n && !softDeleted;
    const wrong: WriteOutcome = { kind: 'wrong-expected-version', current };
    switch (expected) {
      case 'any':
        return this.idempotentAnywhere(stream, events, wrong) ?? 'write';
      case 'stream_exists':
        if (!exists) return wrong;
        return this.idempotentAnywhere(stream, events, wrong) ?? 'write';
      case 'no_stream':
        if (!exists) return 'write';
        return this.idempotentAt(stream!, 0n, events) ?? wrong;
      default:
        if (expected === current) return 'write';
        if (expected < current) return this.idempotentAt(stream!, expected + 1n, events) ?? wrong;
        return wrong;
    }
  }

  /** a retried append with `any`: the first id locates the earlier write, the rest must follow it */
  private idempotentAnywhere(
    stream: StreamRecord | undefined,
    events: readonly ProposedEvent[],
    wrong: WriteOutcome,
  ): WriteOutcome | undefined {
    if (!stream || events.length === 0) return undefined;
    const first = stream.revisionById.get(events[0]!.id);
    if (first === undefined) return undefined;
    return this.idempotentAt(stream, BigInt(first), events) ?? wrong;
  }

  private idempotentAt(stream: StreamRecord, from: bigint, events: readonly ProposedEvent[]): WriteOutcome | undefined {
    if (events.length === 0) return undefined;
    const start = Number(from);
    for (let i = 0; i < events.length; i++) {
      if (stream.events[start + i]?.id !== events[i]!.id) return undefined;
    }
    const last = stream.events[start + events.length - 1]!;
    return { kind: 'success', current: last.revision, position: last.position };
  }

  private metadataOf(name: string): StreamMetadata {
    if (isMetastream(name)) return METASTREAM_METADATA;
    return this.streams.get(name)?.metadata ?? NO_METADATA;
  }

  private createStream(name: string): StreamRecord {
    const record: StreamRecord = { events: [], revisionById: new Map(), tombstoned: false, metadata: NO_METADATA };
    this.streams.set(name, record);
    return record;
  }

  private write(name: string, stream: StreamRecord, event: ProposedEvent): StoredEvent {
    const stored = this.record({ ...event, streamName: name, revision: BigInt(stream.events.length) });
    stream.revisionById.set(stored.id, stream.events.length);
    stream.events.push(stored);
    if (isMetastream(name)) {
      const original = this.streams.get(name.slice(2)) ?? this.createStream(name.slice(2));
      original.metadata = parseMetadata(stored.data);
    }
    return stored;
  }

  private writeMetadata(name: string, json: string): StoredEvent {
    const metastream = `$$${name}`;
    const target = this.streams.get(metastream) ?? this.createStream(metastream);
    return this.write(metastream, target, {
      id: randomUUID(),
      type: '$metadata',
      contentType: 'application/json',
      data: utf8(json),
      customMetadata: EMPTY,
    });
  }

  private record(event: Omit<StoredEvent, 'position' | 'created'>): StoredEvent {
    const stored: StoredEvent = {
      ...event,
      position: this.nextPosition,
      created: BigInt(Date.now()) * 10_000n,
    };
    // positions advance by the record's size on disk, roughly as EventStoreDB's log offsets do
    this.nextPosition +=
      BigInt(96 + Buffer.byteLength(event.streamName) + Buffer.byteLength(event.type) + event.data.length + event.customMetadata.length);
    this.log.push(stored);
    return stored;
  }

  private notify(): void {
    const appended = this.appended;
    this.appended = deferred();
    appended.resolve();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function utf8(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'utf8'));
}

function withoutTruncateBefore(metadata: Record<string, unknown>): Record<string, unknown> {
  const { $tb: _ignored, ...rest } = metadata;
  return rest;
}

/** `$tb` may be long.MaxValue, which JSON numbers in JavaScript cannot carry exactly: write it by hand */
function metadataJson(metadata: Record<string, unknown>, truncateBefore: bigint): string {
  const rest = JSON.stringify(metadata);
  return rest === '{}' ? `{"$tb":${truncateBefore}}` : `{"$tb":${truncateBefore},${rest.slice(1)}`;
}

function parseMetadata(data: Uint8Array): StreamMetadata {
  let raw: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    raw = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    raw = {};
  }
  const maxCount = typeof raw.$maxCount === 'number' && raw.$maxCount > 0 ? raw.$maxCount : undefined;
  const tb = typeof raw.$tb === 'number' && raw.$tb >= 0 ? raw.$tb : undefined;
  // a $tb beyond 2^53 can only be the DeletedStream marker (long.MaxValue) of a soft delete
  const softDeleted = tb !== undefined && tb >= Number.MAX_SAFE_INTEGER;
  return {
    raw,
    ...(maxCount !== undefined ? { maxCount } : {}),
    ...(tb !== undefined && !softDeleted ? { truncateBefore: BigInt(Math.trunc(tb)) } : {}),
    softDeleted,
  };
}
