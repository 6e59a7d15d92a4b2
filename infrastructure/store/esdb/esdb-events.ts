import { jsonEvent, type AllStreamResolvedEvent, type JSONEventData, type JSONType, type ResolvedEvent } from '@eventstore/db-client';
import type { EventToAppend, Position, RecordedEvent } from '../../../application/ports/event-store.js';
import { decodeJson, encodeJson } from '../shared/json.js';

/**
 * Checkpoints live in ordinary streams under this prefix (a `$` stream would need system-stream
 * rights); readAll and subscriptions leave them out, as the in-process adapters keep checkpoints
 * outside the log.
 */
export const CHECKPOINT_STREAM_PREFIX = 'ledger-checkpoint/';
export const CHECKPOINT_EVENT_TYPE = 'LedgerCheckpoint';

export function checkpointStream(name: string): string {
  return `${CHECKPOINT_STREAM_PREFIX}${name}`;
}

/** Data and metadata travel as JSON events; bigints keep the in-process adapters' `{ $bigint }` form. */
export function toEventData(event: EventToAppend): JSONEventData {
  return sizedEventData(event).event;
}

/**
 * The event to send and its size as EventStoreDB counts it against its limits (Event.SizeOnDisk):
 * the bytes of its data and metadata as the client sends them, plus two bytes per UTF-16 unit of its type.
 */
export function sizedEventData(event: EventToAppend): { readonly event: JSONEventData; readonly size: number } {
  const data = encodeJson(event.data);
  const metadata = encodeJson(event.metadata);
  const sent = jsonEvent({ id: event.id, type: event.type, data: JSON.parse(data) as JSONType, metadata: JSON.parse(metadata) as JSONType }) as JSONEventData;
  return { event: sent, size: Buffer.byteLength(data) + Buffer.byteLength(metadata) + event.type.length * 2 };
}

export function toJsonValue(value: unknown): JSONType {
  return JSON.parse(encodeJson(value)) as JSONType;
}

export function fromJsonValue(value: unknown): any {
  if (value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  return decodeJson(JSON.stringify(value));
}

/** The port's view of a resolved event; undefined for a link whose target is gone. */
export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  const metadata = event.isJson ? fromJsonValue(event.metadata) : null;
  return {
    id: event.id,
    type: event.type,
    data: event.isJson ? fromJsonValue(event.data) : event.data,
    metadata: metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? metadata : {},
    streamName: event.streamId,
    revision: event.revision,
    position: positionOf(resolved)!,
  };
}

export function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): Position | undefined {
  const position = resolved.event?.position;
  if (position) return { commit: position.commit, prepare: position.prepare };
  if (resolved.commitPosition !== undefined) return { commit: resolved.commitPosition, prepare: resolved.commitPosition };
  return undefined;
}

/**
 * What the ledger sees of `$all`: no system events or streams (EventStoreDB writes `$metadata`,
 * `$settings`, tombstones …), and no checkpoint streams.
 */
export function isLedgerEvent(event: { readonly streamName: string; readonly type: string }): boolean {
  return !event.type.startsWith('$') && !event.streamName.startsWith('$') && !event.streamName.startsWith(CHECKPOINT_STREAM_PREFIX);
}
