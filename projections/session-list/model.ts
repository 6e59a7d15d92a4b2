import type { DeviceOptions, UnreadMode } from '../../domain/events.js';
import type { Delivery, Message, Scene } from '../../domain/message.js';
import { isShown } from '../../domain/visibility.js';
import { OrderedIndex } from './ordered-index.js';

/** The session object users see, with the seed's field names (S2.4). */
export interface Session {
  id: string;
  scene: Scene;
  to: string;
  updateTime: number;
  unread: number;
  lastMsg?: Message;
  msgReceiptTime?: number;
  localCustom?: string;
}

/** "No mark yet": below any message time, and JSON-safe unlike -Infinity. */
export const NO_MARK = -Number.MAX_SAFE_INTEGER;

/**
 * S4: a point in the session's order: a message time, then the global position of the event that
 * recorded it (the order in which the session recorded its messages).
 */
export interface Point {
  readonly time: number;
  readonly seq: number;
}
export const NO_POINT: Point = Object.freeze({ time: NO_MARK, seq: -1 });
/** Every message at `time` or earlier, whenever recorded. */
export const throughTime = (time: number): Point => ({ time, seq: Number.MAX_SAFE_INTEGER });
export const isAfter = (p: Point, q: Point): boolean => p.time > q.time || (p.time === q.time && p.seq > q.seq);
export const laterOf = (p: Point, q: Point): Point => (isAfter(p, q) ? p : q);

/** A counting (incoming, unreadable) message, as unread rules need it. */
export interface CountingRecord {
  readonly time: number;
  readonly kind: Delivery;
  /** global commit position of the event that recorded it */
  readonly seq: number;
  readonly key: string;
}

/** A session's newest message of one type (S6.3), with the position that recorded it: its place in the session's order (S7.5). */
export interface TypeLatest {
  readonly type: string;
  message: Message;
  seq: number;
}

/** Account-wide facts about one session. */
export interface SessionModel {
  readonly id: string;
  readonly scene: Scene;
  readonly to: string;
  exists: boolean;
  lastMsg: Message | undefined;
  updateTime: number;
  msgReceiptTime: number | undefined;
  /** sorted by time, then seq */
  counting: CountingRecord[];
  /**
   * newest message of each type (S6.3), in the order the types first came: a short list (a session
   * has few types), searched by `latestOfType`; two Maps per session cost about 380 B of heap.
   */
  lastByType: TypeLatest[];
  /** the server deletion's point (S7.5): messages at or before it are gone on every device */
  serverDeleted: Point;
  hiddenEverywhere: boolean;
  /** mode A's account-wide read mark */
  accountMark: Point;
}

/** One device's facts about one session. */
export interface DeviceSessionModel {
  mark: Point;
  hidden: boolean;
  /** the local deletion's point; messages at or before it never count again */
  hiddenAt: Point;
  localCustom: string | undefined;
  /** mode C: counting messages of the last sync's offline batch */
  batch: Set<string> | undefined;
  unread: number;
  /** set by insertLocalSession: shown here as an empty session with this updateTime (S7.1) */
  insertedUpdateTime: number | undefined;
  /** an insert's floor: messages at or before it never count here (it started empty) */
  insertFloor: Point;
  /** updateTime under which it sits in the device index, undefined when not indexed */
  indexedAt: number | undefined;
}

export interface DeviceModel {
  readonly id: string;
  mode: UnreadMode;
  options: DeviceOptions;
  /** modes C and D count only what was recorded after this position (their last sync) */
  epochSeq: number;
  /** S7.7: the syncs a device without a database made: its local changes last while this stays */
  login: number;
  /** the position of the last sync counted in `login` (a sync folded again is not counted twice) */
  syncSeq: number;
  /** S4: modes B, C and D count only what was recorded after the device's registration (-1: every message) */
  registeredSeq: number;
  current: string | undefined;
  totalUnread: number;
  readonly views: Map<string, DeviceSessionModel>;
  /** the visible sessions by (updateTime, id) */
  readonly index: OrderedIndex;
}

export interface AccountModel {
  readonly id: string;
  readonly sessions: Map<string, SessionModel>;
  readonly devices: Map<string, DeviceModel>;
  /** per message type, the sessions by (time of their newest message of that type, id) (S6.3) */
  readonly byType: Map<string, OrderedIndex>;
  /** greatest updateTime any device has seen in the account, kept as events arrive (S7.1) */
  maxUpdateTime: number;
}

export function newAccountModel(id: string): AccountModel {
  return { id, sessions: new Map(), devices: new Map(), byType: new Map(), maxUpdateTime: -Infinity };
}

export function newDeviceModel(id: string, mode: UnreadMode, options: DeviceOptions): DeviceModel {
  return { id, mode, options, epochSeq: -1, login: 0, syncSeq: -1, registeredSeq: -1, current: undefined, totalUnread: 0, views: new Map(), index: new OrderedIndex() };
}

export function newSessionModel(id: string, scene: Scene, to: string): SessionModel {
  return {
    id, scene, to,
    exists: false,
    lastMsg: undefined,
    updateTime: 0,
    msgReceiptTime: undefined,
    counting: [],
    lastByType: [],
    serverDeleted: NO_POINT,
    hiddenEverywhere: false,
    accountMark: NO_POINT,
  };
}

export function newDeviceSessionModel(): DeviceSessionModel {
  return { mark: NO_POINT, hidden: false, hiddenAt: NO_POINT, localCustom: undefined, batch: undefined, unread: 0, insertedUpdateTime: undefined, insertFloor: NO_POINT, indexedAt: undefined };
}

export function latestOfType(session: SessionModel, type: string): TypeLatest | undefined {
  for (const entry of session.lastByType) if (entry.type === type) return entry;
  return undefined;
}

/** Below this length a list grows by a copy of its exact size. */
const EXACT_BELOW = 16;

/**
 * Appends `item`, returning the list to keep: a short list is copied at its exact size (a push
 * reserves 16 spare slots, 128 B that a session holding a few counting records or types would
 * keep for good), a longer one grows in place.
 */
export function appended<T>(list: T[], item: T): T[] {
  if (list.length < EXACT_BELOW) return list.concat([item]);
  list.push(item);
  return list;
}

/** Visible through its messages, as the domain's isVisibleOn decides without inserts. */
export function isShownByMessages(session: SessionModel, view: DeviceSessionModel): boolean {
  return isShown({ exists: session.exists, hiddenEverywhere: session.hiddenEverywhere, hiddenHere: view.hidden, insertedHere: false });
}

export function isVisible(session: SessionModel, view: DeviceSessionModel): boolean {
  return isShown({ exists: session.exists, hiddenEverywhere: session.hiddenEverywhere, hiddenHere: view.hidden, insertedHere: view.insertedUpdateTime !== undefined });
}

/** The updateTime this device sees: its own for a session it inserted, else the session's. */
export function viewUpdateTime(session: SessionModel, view: DeviceSessionModel): number {
  return view.insertedUpdateTime ?? session.updateTime;
}

/** The public object: fields the seed marks optional are absent, not undefined. */
export function toSession(session: SessionModel, view: DeviceSessionModel): Session {
  const out: Session = { id: session.id, scene: session.scene, to: session.to, updateTime: viewUpdateTime(session, view), unread: view.unread };
  // A copy, so a caller changing what it got cannot change the read model.
  if (session.lastMsg && view.insertedUpdateTime === undefined) out.lastMsg = { ...session.lastMsg };
  if (session.msgReceiptTime !== undefined) out.msgReceiptTime = session.msgReceiptTime;
  if (view.localCustom !== undefined) out.localCustom = view.localCustom;
  return out;
}
