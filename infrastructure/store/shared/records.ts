import type { Position, RecordedEvent } from '../../../application/ports/event-store.js';
import { decodeJson, jsonCopy } from './json.js';

/** An event as both in-process adapters keep it: data and metadata as JSON text. */
export interface StoredEvent {
  readonly position: bigint;
  readonly streamName: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

/** memory and sqlite number their log with one bigint, used for both parts of the position */
export function positionAt(position: bigint): Position {
  return { commit: position, prepare: position };
}

/** Decodes on every read so that no caller can mutate what another one reads. */
export function toRecordedEvent(stored: StoredEvent): RecordedEvent {
  return recordedWith(stored, decodeJson);
}

/** An event as a store keeps it, its data and metadata in some form `read` makes fresh values of. */
export interface KeptEvent<T> extends Omit<StoredEvent, 'data' | 'metadata'> {
  readonly data: T;
  readonly metadata: T;
}

export function recordedWith<T>(stored: KeptEvent<T>, read: (kept: T) => unknown): RecordedEvent {
  return {
    id: stored.id,
    type: stored.type,
    data: read(stored.data),
    metadata: read(stored.metadata) as RecordedEvent['metadata'],
    streamName: stored.streamName,
    revision: stored.revision,
    position: positionAt(stored.position),
  };
}

/** toRecordedEvent from a row's columns, for a store that reads rows as arrays. */
export function decoded(position: bigint, streamName: string, revision: bigint, id: string, type: string, data: string, metadata: string): RecordedEvent {
  return { id, type, data: decodeJson(data), metadata: decodeJson(metadata), streamName, revision, position: positionAt(position) };
}

/** An event just written, as subscribers get it: copies of the appended values, not their text read back. */
export function justWritten(stored: StoredEvent, appended: { readonly data: unknown; readonly metadata: unknown }): RecordedEvent {
  return {
    id: stored.id,
    type: stored.type,
    data: jsonCopy(appended.data, stored.data),
    metadata: jsonCopy(appended.metadata, stored.metadata),
    streamName: stored.streamName,
    revision: stored.revision,
    position: positionAt(stored.position),
  };
}
