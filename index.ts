// The public API of session-ledger (README, "A tour of the API"; the rules in docs/).
export { createLedger, type CreateLedgerOptions } from './infrastructure/create-ledger.js';
export { Ledger } from './application/api/ledger.js';
export { DeviceView, type DeviceViewOptions } from './application/api/device-view.js';
export type { Done } from './application/api/done-callback.js';
export type { Logger } from './application/ports/logger.js';
export type { SessionListReader, PageOptions, ByTypeOptions } from './projections/session-list/reader.js';
export type { HistoryEntry, TimelineEntry } from './application/read/audit.js';
export type { DispatchOptions } from './application/write/command-meta.js';
export * from './application/write/commands/index.js';
export { GetLocalSessions, GetLocalSession, GetLocalSessionsByMsgType, GetTotalUnread } from './application/read/session-queries.js';
export {
  ValidationError, ConcurrencyError, CommandRejectedError, UnknownSessionCursorError, LedgerClosedError, ViewClosedError, IdempotencyConflictError, type FieldError,
} from './application/errors.js';
export {
  EventTypes, MessageReceived, MessageSent, SessionReset, CurrentSessionSet, CurrentSessionCleared, ReceiptReceived,
  SessionInserted, LocalCustomUpdated, SessionDeleted, OfflineBatchSynced, DeviceRegistered, DeviceSyncStarted, AllSessionUnreadReset,
  SCHEMA_VERSION, unreadModeOf,
  type EventType, type EventOfType, type LedgerEvent, type SessionEvent, type AccountEvent, type EventMetadata, type DeviceOptions, type UnreadMode,
  type MarkScope, type MessageReceivedEvent, type MessageSentEvent, type SessionResetEvent, type CurrentSessionSetEvent,
  type CurrentSessionClearedEvent, type ReceiptReceivedEvent, type SessionInsertedEvent, type LocalCustomUpdatedEvent,
  type SessionDeletedEvent, type OfflineBatchSyncedEvent, type DeviceRegisteredEvent, type DeviceSyncStartedEvent,
  type AllSessionUnreadResetEvent,
} from './domain/events.js';
export type { Message, Scene, Delivery } from './domain/message.js';
export { sessionIdOf, parseSessionId } from './domain/identity.js';
export type { Session } from './projections/session-list/model.js';
export { mergeSessions, cutSessions, cutSessionsByIds, findSession } from './application/api/session-helpers.js';
export * from './application/streams/index.js';
export type { EventStore, RecordedEvent, Position } from './application/ports/event-store.js';
export { StoreUnavailableError, StoreClosedError, StoreCorruptError, WrongExpectedVersionError, StreamDeletedError } from './application/ports/event-store.js';
export { PeerDeliveryError } from './application/reactors/peer-delivery.js';
