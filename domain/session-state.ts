import type { MarkScope, SessionEvent } from './events.js';
import { parseSessionId } from './identity.js';
import { KeyLog } from './key-log.js';
import { messageKey, type Scene } from './message.js';

/** What the session aggregate needs to decide: one account's view of one conversation. */
export interface SessionState {
  readonly sessionId: string;
  readonly scene: Scene;
  readonly to: string;
  /** any message or insert was recorded */
  readonly exists: boolean;
  /** keys of every recorded message (S2.3) */
  readonly seen: KeyLog;
  /** time of the newest recorded message; read marks move to it */
  readonly newestTime: number | undefined;
  /** set by a server delete, cleared by a newer message or an insert (S7.4) */
  readonly serverDeletedAt: number | undefined;
  readonly hiddenEverywhere: boolean;
  /** devices that deleted it locally, with the deletion time (S7.3) */
  readonly hiddenOn: ReadonlyMap<string, number>;
  /** devices that inserted it as an empty local session (S7.1); it shows there whatever else holds */
  readonly insertedOn: ReadonlySet<string>;
  /** devices on which it is the current session, with their mark scope (S4.2) */
  readonly currentOn: ReadonlyMap<string, MarkScope>;
  readonly msgReceiptTime: number | undefined;
}

export function initialSessionState(sessionId: string): SessionState {
  const parsed = parseSessionId(sessionId);
  if (!parsed) throw new Error(`not a session id: ${JSON.stringify(sessionId)}`);
  return {
    sessionId,
    scene: parsed.scene,
    to: parsed.to,
    exists: false,
    seen: KeyLog.empty(),
    newestTime: undefined,
    serverDeletedAt: undefined,
    hiddenEverywhere: false,
    hiddenOn: new Map(),
    insertedOn: new Set(),
    currentOn: new Map(),
    msgReceiptTime: undefined,
  };
}

export function isVisibleOn(state: SessionState, device: string): boolean {
  return (state.exists && !state.hiddenEverywhere && !state.hiddenOn.has(device)) || state.insertedOn.has(device);
}

function withoutDevice(set: ReadonlySet<string>, device: string): ReadonlySet<string> {
  if (!set.has(device)) return set;
  const copy = new Set(set);
  copy.delete(device);
  return copy;
}

function without<K, V>(map: ReadonlyMap<K, V>, key: K): Map<K, V> {
  const copy = new Map(map);
  copy.delete(key);
  return copy;
}

/** A message newer than a deletion revives the session: where it was hidden, it shows again. */
function revivedBy(state: SessionState, time: number): Pick<SessionState, 'hiddenEverywhere' | 'hiddenOn'> {
  const hiddenEverywhere = state.hiddenEverywhere && !(time > (state.serverDeletedAt ?? Infinity));
  let hiddenOn = state.hiddenOn;
  for (const [device, at] of state.hiddenOn) if (time > at) hiddenOn = without(hiddenOn, device);
  return { hiddenEverywhere, hiddenOn };
}

export function evolve(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'MessageReceived':
    case 'MessageSent': {
      const { message } = event.data;
      const seen = state.seen.add(messageKey(message));
      return {
        ...state,
        ...revivedBy(state, message.time),
        exists: true,
        seen,
        newestTime: Math.max(state.newestTime ?? -Infinity, message.time),
      };
    }
    case 'SessionReset':
      return state;
    case 'CurrentSessionSet': {
      const currentOn = new Map(state.currentOn);
      currentOn.set(event.data.device, event.data.scope);
      return { ...state, currentOn };
    }
    case 'CurrentSessionCleared':
      return { ...state, currentOn: without(state.currentOn, event.data.device) };
    case 'ReceiptReceived':
      return { ...state, msgReceiptTime: Math.max(state.msgReceiptTime ?? -Infinity, event.data.msgReceiptTime) };
    case 'SessionInserted':
      // Local to the inserting device (the seed's local database); other devices are untouched.
      return { ...state, insertedOn: new Set([...state.insertedOn, event.data.device]) };
    case 'LocalCustomUpdated':
      return state;
    case 'SessionDeleted': {
      const { scope, device, at } = event.data;
      if (scope === 'server') {
        return {
          ...state,
          hiddenEverywhere: true,
          serverDeletedAt: Math.max(state.serverDeletedAt ?? -Infinity, at),
          insertedOn: new Set(),
          currentOn: new Map(),
        };
      }
      const hiddenOn = new Map(state.hiddenOn);
      hiddenOn.set(device, at);
      return { ...state, hiddenOn, insertedOn: withoutDevice(state.insertedOn, device), currentOn: without(state.currentOn, device) };
    }
    case 'OfflineBatchSynced':
      return state;
    default: {
      const never: never = event;
      throw new Error(`unknown session event ${JSON.stringify(never)}`);
    }
  }
}

export function foldSession(sessionId: string, events: Iterable<SessionEvent>): SessionState {
  let state = initialSessionState(sessionId);
  for (const event of events) state = evolve(state, event);
  return state;
}
