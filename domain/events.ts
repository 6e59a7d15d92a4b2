import type { Delivery, Message, Scene } from './message.js';

/** S4: the four unread modes, from the seed's options. */
export type UnreadMode = 'A' | 'B' | 'C' | 'D';

export interface DeviceOptions {
  readonly db: boolean;
  readonly syncSessionUnread: boolean;
  readonly autoMarkRead: boolean;
}

export const DEFAULT_DEVICE_OPTIONS: DeviceOptions = Object.freeze({ db: true, syncSessionUnread: false, autoMarkRead: false });

export function unreadModeOf(options: DeviceOptions): UnreadMode {
  if (options.db) return options.syncSessionUnread ? 'A' : 'B';
  return options.autoMarkRead ? 'D' : 'C';
}

/** Where a read mark lives: mode A devices share the account-wide one (S4 table). */
export type MarkScope = 'account' | 'device';

export function markScopeOf(mode: UnreadMode): MarkScope {
  return mode === 'A' ? 'account' : 'device';
}

/** The current version of every event's data shape; upcasters live in infrastructure. */
export const SCHEMA_VERSION = 3;

export const EventTypes = {
  MessageReceived: 'MessageReceived',
  MessageSent: 'MessageSent',
  SessionReset: 'SessionReset',
  CurrentSessionSet: 'CurrentSessionSet',
  CurrentSessionCleared: 'CurrentSessionCleared',
  ReceiptReceived: 'ReceiptReceived',
  SessionInserted: 'SessionInserted',
  LocalCustomUpdated: 'LocalCustomUpdated',
  SessionDeleted: 'SessionDeleted',
  OfflineBatchSynced: 'OfflineBatchSynced',
  DeviceRegistered: 'DeviceRegistered',
  DeviceSyncStarted: 'DeviceSyncStarted',
  AllSessionUnreadReset: 'AllSessionUnreadReset',
} as const;

export const MessageReceived = EventTypes.MessageReceived;
export const MessageSent = EventTypes.MessageSent;
export const SessionReset = EventTypes.SessionReset;
export const CurrentSessionSet = EventTypes.CurrentSessionSet;
export const CurrentSessionCleared = EventTypes.CurrentSessionCleared;
export const ReceiptReceived = EventTypes.ReceiptReceived;
export const SessionInserted = EventTypes.SessionInserted;
export const LocalCustomUpdated = EventTypes.LocalCustomUpdated;
export const SessionDeleted = EventTypes.SessionDeleted;
export const OfflineBatchSynced = EventTypes.OfflineBatchSynced;
export const DeviceRegistered = EventTypes.DeviceRegistered;
export const DeviceSyncStarted = EventTypes.DeviceSyncStarted;
export const AllSessionUnreadReset = EventTypes.AllSessionUnreadReset;

export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

interface Ev<T extends EventType, D> {
  readonly type: T;
  readonly data: D;
}

export type MessageReceivedEvent = Ev<'MessageReceived', {
  readonly sessionId: string;
  readonly message: Message;
  readonly delivery: Delivery;
  readonly device: string;
  readonly counting: boolean;
}>;
export type MessageSentEvent = Ev<'MessageSent', {
  readonly sessionId: string;
  readonly message: Message;
  readonly delivery: Delivery;
  readonly device: string;
}>;
/** A read mark moved to `mark` (the newest message's time). */
export type SessionResetEvent = Ev<'SessionReset', {
  readonly sessionId: string;
  readonly device: string;
  readonly scope: MarkScope;
  readonly mark: number;
  /** S4.4: part of a resetAllSessionUnread, which tells a view only of sessions whose unread changed */
  readonly all?: true;
}>;
/**
 * S4.2, on the account stream: the device's current session is now `sessionId` (any other stops
 * being current), and its read mark moves to `mark` (the newest message's time).
 */
export type CurrentSessionSetEvent = Ev<'CurrentSessionSet', {
  readonly sessionId: string;
  readonly device: string;
  readonly scope: MarkScope;
  readonly mark: number;
}>;
/** S4.5, on the account stream: the device has no current session any more. */
export type CurrentSessionClearedEvent = Ev<'CurrentSessionCleared', {
  readonly sessionId: string;
  readonly device: string;
}>;
export type ReceiptReceivedEvent = Ev<'ReceiptReceived', {
  readonly sessionId: string;
  /** the peer who read */
  readonly reader: string;
  readonly msgReceiptTime: number;
}>;
/**
 * S7.7: the device's login a local change was made in: the number of syncs the device had then
 * (always 0 on a device with a database). A device without one forgets its local changes at its
 * next sync. Absent in events older than schema 3: the change lasts.
 */
export type Login = number;

export type SessionInsertedEvent = Ev<'SessionInserted', {
  readonly sessionId: string;
  readonly scene: Scene;
  readonly to: string;
  readonly device: string;
  readonly updateTime: number;
  readonly login?: Login;
}>;
export type LocalCustomUpdatedEvent = Ev<'LocalCustomUpdated', {
  readonly sessionId: string;
  readonly device: string;
  readonly localCustom: string;
  readonly login?: Login;
}>;
/**
 * S7.5: where a deletion cuts the session's order. With `message` (the newest message's key), it is
 * that message's place: every message recorded before the deletion at its time or earlier; a later
 * one, even in the same millisecond, revives the session. Without it (a session with no message,
 * cut at its updateTime, or a schema 2 event cut at the ledger clock), every message at `time` or earlier.
 */
export interface DeletionPoint {
  readonly time: number;
  readonly message?: string;
}
export type SessionDeletedEvent = Ev<'SessionDeleted', {
  readonly sessionId: string;
  readonly scope: 'local' | 'server';
  /** the device that deleted; a local delete affects only it */
  readonly device: string;
  /** messages at or before it never revive the session (S7.4, S7.5) */
  readonly point: DeletionPoint;
  /** a local delete's login (S7.7) */
  readonly login?: Login;
}>;
/** Mode C: the counting messages of a sync's offline batch, unread on that device (S4 table). */
export type OfflineBatchSyncedEvent = Ev<'OfflineBatchSynced', {
  readonly sessionId: string;
  readonly device: string;
  readonly keys: readonly string[];
  /**
   * Issue 9: a batch whose keys would outgrow one event (LIST_EVENT_BYTES) goes on in the events
   * right after it, numbered from 1: their keys join the batch instead of starting a new one.
   */
  readonly part?: number;
}>;

export type SessionEvent =
  | MessageReceivedEvent
  | MessageSentEvent
  | SessionResetEvent
  | ReceiptReceivedEvent
  | SessionInsertedEvent
  | LocalCustomUpdatedEvent
  | SessionDeletedEvent
  | OfflineBatchSyncedEvent;

export type DeviceRegisteredEvent = Ev<'DeviceRegistered', {
  readonly device: string;
  readonly options: DeviceOptions;
  readonly mode: UnreadMode;
}>;
/** Modes C and D keep nothing across logins: a sync starts the device's counts and local changes afresh (S7.7). */
export type DeviceSyncStartedEvent = Ev<'DeviceSyncStarted', {
  readonly device: string;
}>;

/**
 * S4.4: the sessions a resetAllSessionUnread chose, so a retry resets the same ones. A choice too
 * long for one event (issue 9) is recorded in several, one after another: the choice is their union.
 */
export type AllSessionUnreadResetEvent = Ev<'AllSessionUnreadReset', {
  readonly device: string;
  /** the sessions that had unread (what the call resolves) */
  readonly sessionIds: readonly string[];
  /** the view's other sessions, whose marks move too (absent before schema 3) */
  readonly alsoMarked?: readonly string[];
}>;

export type AccountEvent =
  | DeviceRegisteredEvent
  | DeviceSyncStartedEvent
  | CurrentSessionSetEvent
  | CurrentSessionClearedEvent
  | AllSessionUnreadResetEvent;

export type LedgerEvent = SessionEvent | AccountEvent;

/** What the ledger records beside every event (S10.2). */
export interface EventMetadata {
  readonly schemaVersion: number;
  /** ledger clock, ms */
  readonly at: number;
  readonly account: string;
  readonly device: string;
  readonly commandId: string;
  readonly commandType: string;
  readonly correlationId: string;
  readonly causationId: string;
  /** one per (command, stream, step): a command dispatched again finds it and appends nothing (S10.2) */
  readonly idempotencyKey?: string;
  /** a digest of the command's data, when the caller gave its commandId: the same id with another body is refused (S10.2) */
  readonly commandBody?: string;
  /**
   * Issue 9: a step whose events outgrow one append (MAX_APPEND_BYTES) is written in several:
   * this event's append and how many the step has. The step counts as recorded once its last is.
   */
  readonly split?: readonly [part: number, of: number];
}

/** An event of type `T` of the union. */
export type EventOfType<T extends EventType> = Extract<LedgerEvent, { type: T }>;

export interface LedgerRecord<E extends LedgerEvent = LedgerEvent> {
  readonly type: E['type'];
  readonly data: E['data'];
  readonly metadata: EventMetadata;
}
