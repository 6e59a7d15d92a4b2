export { SessionEngine } from './session-engine.js';
export { MessageStream, DEFAULT_BUFFER_SIZE } from './message-stream.js';
export type { GetOptions, MessageFilter, MessageStreamOptions } from './message-stream.js';
export { StreamClosedError, StreamTimeoutError, StreamOverflowError } from './errors.js';
export type { StreamCloseReason } from './errors.js';
export { defaultIdOf, groupIdOf, userIdOf } from './identifiers.js';
export type {
  IdOf,
  IncomingMessage,
  ReplyFunction,
  SessionContext,
  SessionEngineOptions,
  SessionEngineStats,
  SessionHandler,
  SessionOptions,
  Trigger,
  Unregister,
} from './types.js';
