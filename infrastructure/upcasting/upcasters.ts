import { SCHEMA_VERSION, unreadModeOf, type DeviceOptions } from '../../domain/events.js';
import type { RecordedEvent } from '../../application/ports/event-store.js';

type Data = Record<string, unknown>;

/**
 * Schema 0 (the first ledgers): message events held `msg` and `via` (now `message` and
 * `delivery`), MessageReceived listed the devices that had the session current as `readOn`
 * (now `readBy`, which also says whether a mode-A device read it account-wide), DeviceRegistered
 * carried no `mode`, and metadata had no `schemaVersion`.
 */
function fromV0(type: string, data: Data): Data {
  switch (type) {
    case 'MessageReceived':
    case 'MessageSent': {
      const { msg, via, readOn, ...rest } = data;
      const out: Data = { ...rest, message: msg, delivery: via };
      if (type === 'MessageReceived') out['readBy'] = { devices: Array.isArray(readOn) ? readOn : [], accountWide: false };
      return out;
    }
    case 'DeviceRegistered':
      return { ...data, mode: unreadModeOf(data['options'] as DeviceOptions) };
    default:
      return data;
  }
}

/**
 * Schema 1: MessageReceived listed in `readBy` the devices that had the session current. From
 * schema 2 the account stream owns each device's current session and the fold reads it there, so
 * the list is no longer recorded.
 */
function fromV1(type: string, data: Data): Data {
  if (type !== 'MessageReceived') return data;
  const { readBy: _readBy, ...rest } = data;
  return rest;
}

/**
 * Schema 2: SessionDeleted held `at`, the ledger clock, and hid every message up to that time. From
 * schema 3 it holds its deletion `point` (S7.5), the session's newest message; an older event keeps
 * its meaning as a point without a message at `at`, so replay hides exactly what it hid then.
 */
function fromV2(type: string, data: Data): Data {
  if (type !== 'SessionDeleted' || data['point'] !== undefined) return data;
  const { at, ...rest } = data;
  return { ...rest, point: { time: at } };
}

/** One step per schema version: steps[v] turns version v data into version v + 1. */
const STEPS: readonly ((type: string, data: Data) => Data)[] = [fromV0, fromV1, fromV2];

/** The schema an event was written with: metadata.schemaVersion, absent in schema 0. */
function schemaVersionOf(event: Pick<RecordedEvent, 'metadata'>): number {
  const version = event.metadata?.['schemaVersion'];
  return typeof version === 'number' ? version : 0;
}

/** An event as the current code reads it; events of the current schema are returned as they are. */
export function upcast(event: RecordedEvent): RecordedEvent {
  let version = schemaVersionOf(event);
  if (version >= SCHEMA_VERSION) return event;
  let data = event.data as Data;
  for (; version < SCHEMA_VERSION; version++) data = STEPS[version]!(event.type, data);
  return { ...event, data, metadata: { ...event.metadata, schemaVersion: SCHEMA_VERSION } };
}
