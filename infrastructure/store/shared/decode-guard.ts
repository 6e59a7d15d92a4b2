import { StoreCorruptError, type RecordedEvent } from '../../../application/ports/event-store.js';
import { preview } from './append-rules.js';
import { decodeJson } from './json.js';
import { toRecordedEvent, type StoredEvent } from './records.js';

/**
 * Decodes a stored event; one whose data or metadata is no longer JSON (a damaged page, a manual
 * edit) fails with StoreCorruptError naming the store, the stream, the revision and the position,
 * not with a bare SyntaxError from deep inside a replay.
 */
export function decodeStored(stored: StoredEvent, store: string): RecordedEvent {
  try {
    return toRecordedEvent(stored);
  } catch (error) {
    throw undecodable(store, stored.position, stored.streamName, stored.revision, error);
  }
}

/** The StoreCorruptError for an event at `position` whose text no longer decodes. */
export function undecodable(store: string, position: bigint, streamName: string, revision: bigint, error: unknown): StoreCorruptError {
  return new StoreCorruptError(store, `the event at position ${position} (stream ${preview(streamName)}, revision ${revision}) does not decode: ${(error as Error).message}`, error);
}

/** Decodes a stored checkpoint state, or fails with StoreCorruptError naming the checkpoint. */
export function decodeCheckpointState(text: string, name: string, store: string): unknown {
  try {
    return decodeJson(text);
  } catch (error) {
    throw new StoreCorruptError(store, `checkpoint ${preview(name)} does not decode: ${(error as Error).message}`, error);
  }
}
