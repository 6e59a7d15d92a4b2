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
  return {
    id: stored.id,
    type: stored.type,
    data: decodeJson(stored.data),
    metadata: decodeJson(stored.metadata),
    streamName: stored.streamName,
    revision: stored.revision,
    position: positionAt(stored.position),
  };
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
