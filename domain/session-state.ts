import type { DeletionPoint, Login, MarkScope, SessionEvent } from './events.js';
import { KeyLog } from './key-log.js';
import { messageKey, type Scene } from './message.js';
import type { SessionRef } from './session-ref.js';
import { isShown, laterPoint, revivesAfter } from './visibility.js';

/** A device's local fact (a delete or an insert) with the login it was made in (S7.7). */
export interface LocalFact<T> {
  readonly value: T;
  /** undefined: recorded before logins were (schema 2); it lasts */
  readonly login: Login | undefined;
}

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
  /** how many messages the session recorded */
  readonly messages: number;
  /** time of the newest recorded message; read marks move to it */
  readonly newestTime: number | undefined;
  /** key of the newest recorded message (time, then record order: the later of equal times) */
  readonly newestKey: string | undefined;
  /** set by a server delete (S7.4, S7.5) */
  readonly serverDeleted: DeletionPoint | undefined;
  /** a server delete hides it; cleared by a message after its point */
  readonly hiddenEverywhere: boolean;
  /** devices that deleted it locally, with the deletion point (S7.3) */
  readonly hiddenOn: ReadonlyMap<string, LocalFact<DeletionPoint>>;
  /** devices that inserted it as an empty local session, with its updateTime (S7.1); it shows there whatever else holds */
  readonly insertedOn: ReadonlyMap<string, LocalFact<number>>;
  /** per read mark (a device's, or 'account' for mode A's), how many messages it covered when last moved (S4.4) */
  readonly readUpTo: ReadonlyMap<string, number>;
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
    messages: 0,
    newestTime: undefined,
    newestKey: undefined,
    serverDeleted: undefined,
    hiddenEverywhere: false,
    hiddenOn: new Map(),
    insertedOn: new Map(),
    readUpTo: new Map(),
    msgReceiptTime: undefined,
  };
}

/** A local fact holds in `login` unless the device synced since it was made (S7.7). */
export function holds<T>(fact: LocalFact<T> | undefined, login: Login): fact is LocalFact<T> {
  return fact !== undefined && (fact.login === undefined || fact.login >= login);
}

/** Whether the session is in `device`'s list, in the device's login `login` (S7.1, S7.3, S7.4, S7.7). */
export function isVisibleOn(state: SessionState, device: string, login: Login): boolean {
  return isShown({
    exists: state.exists,
    hiddenEverywhere: state.hiddenEverywhere,
    hiddenHere: holds(state.hiddenOn.get(device), login),
    insertedHere: holds(state.insertedOn.get(device), login),
  });
}

/** The read mark a reset on `device` with this scope moves (S4 table: mode A shares the account's). */
export function markKey(scope: MarkScope, device: string): string {
  return scope === 'account' ? 'account' : `device:${device}`;
}

function without<K, V>(map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  if (!map.has(key)) return map;
  const copy = new Map(map);
  copy.delete(key);
  return copy;
}

function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> {
  return new Map(map).set(key, value);
}

/** A message after a deletion's point revives the session: where it was hidden, it shows again. */
function revivedBy(state: SessionState, time: number): Pick<SessionState, 'hiddenEverywhere' | 'hiddenOn'> {
  const hiddenEverywhere = state.hiddenEverywhere && !revivesAfter(time, state.serverDeleted);
  let hiddenOn = state.hiddenOn;
  for (const [device, fact] of state.hiddenOn) if (revivesAfter(time, fact.value)) hiddenOn = without(hiddenOn, device);
  return { hiddenEverywhere, hiddenOn };
}

export function evolve(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'MessageReceived':
    case 'MessageSent': {
      const { message } = event.data;
      const key = messageKey(message);
      const newest = state.newestTime === undefined || message.time >= state.newestTime;
      return {
        ...state,
        ...revivedBy(state, message.time),
        exists: true,
        seen: state.seen.add(key),
        messages: state.messages + 1,
        newestTime: newest ? message.time : state.newestTime,
        newestKey: newest ? key : state.newestKey,
      };
    }
    case 'SessionReset':
      return { ...state, readUpTo: withEntry(state.readUpTo, markKey(event.data.scope, event.data.device), state.messages) };
    case 'ReceiptReceived':
      return { ...state, msgReceiptTime: Math.max(state.msgReceiptTime ?? -Infinity, event.data.msgReceiptTime) };
    case 'SessionInserted':
      // Local to the inserting device (the seed's local database); other devices are untouched.
      return { ...state, insertedOn: withEntry(state.insertedOn, event.data.device, { value: event.data.updateTime, login: event.data.login }) };
    case 'LocalCustomUpdated':
      return state;
    case 'SessionDeleted': {
      const { scope, device, point } = event.data;
      if (scope === 'server') return { ...state, hiddenEverywhere: true, serverDeleted: laterPoint(state.serverDeleted, point), insertedOn: new Map() };
      const before = state.hiddenOn.get(device);
      const hidden = { value: holds(before, event.data.login ?? 0) ? laterPoint(before.value, point) : point, login: event.data.login };
      return { ...state, hiddenOn: withEntry(state.hiddenOn, device, hidden), insertedOn: without(state.insertedOn, device) };
    }
    case 'OfflineBatchSynced':
      // Mode C: the batch is unread on the device again, whatever its mark covered (S4 table).
      return { ...state, readUpTo: without(state.readUpTo, markKey('device', event.data.device)) };
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
