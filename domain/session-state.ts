import type { SessionEvent } from './events.js';
import { KeyLog } from './key-log.js';
import { messageKey, type Scene } from './message.js';
import type { SessionRef } from './session-ref.js';
import { isShown, revives } from './visibility.js';

/** What the session aggregate needs to decide: one account's view of one conversation. */
export interface SessionState {
  /** the list's owner (S1.1) */
  readonly account: string;
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
  readonly msgReceiptTime: number | undefined;
}

export function initialSessionState(ref: SessionRef): SessionState {
  return {
    account: ref.account,
    sessionId: ref.id,
    scene: ref.scene,
    to: ref.to,
    exists: false,
    seen: KeyLog.empty(),
    newestTime: undefined,
    serverDeletedAt: undefined,
    hiddenEverywhere: false,
    hiddenOn: new Map(),
    insertedOn: new Set(),
    msgReceiptTime: undefined,
  };
}

export function isVisibleOn(state: SessionState, device: string): boolean {
  return isShown({ exists: state.exists, hiddenEverywhere: state.hiddenEverywhere, hiddenHere: state.hiddenOn.has(device), insertedHere: state.insertedOn.has(device) });
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
  const hiddenEverywhere = state.hiddenEverywhere && !revives(time, state.serverDeletedAt);
  let hiddenOn = state.hiddenOn;
  for (const [device, at] of state.hiddenOn) if (revives(time, at)) hiddenOn = without(hiddenOn, device);
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
        };
      }
      const hiddenOn = new Map(state.hiddenOn);
      hiddenOn.set(device, at);
      return { ...state, hiddenOn, insertedOn: withoutDevice(state.insertedOn, device) };
    }
    case 'OfflineBatchSynced':
      return state;
    default: {
      // An event this version does not know (older streams held the current session) changes nothing.
      const unknown: never = event;
      void unknown;
      return state;
    }
  }
}

export function foldSession(ref: SessionRef, events: Iterable<SessionEvent>): SessionState {
  let state = initialSessionState(ref);
  for (const event of events) state = evolve(state, event);
  return state;
}
