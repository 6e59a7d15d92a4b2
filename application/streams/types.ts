import type { Logger } from '../ports/logger.js';
import type { SchedulerLike, Subscribable } from 'rxjs';
import type { Message } from '../../domain/message.js';
import type { GetOptions, MessageFilter, MessageStream } from './message-stream.js';
import type { MaybePromise } from './promise-like.js';

/** What the engine reads: a message for (committed to) the bot `account` (M4.2). */
export interface IncomingMessage {
  readonly message: Message;
  readonly account: string;
}

/** Starts a session handler (M1.3); sync or async. It sees the original message: do not change it. */
export type Trigger = (incoming: IncomingMessage) => MaybePromise<boolean>;

/** Names the session a message belongs to (M1.2); undefined = not for this manager. */
export type IdOf = (incoming: IncomingMessage) => MaybePromise<string | undefined>;

/** What a running session handler sees (M1.1). */
export interface SessionContext {
  /** the trigger message (a copy: changing it affects no other handler) */
  readonly message: Message;
  /** the bot account */
  readonly account: string;
  /** the handler's own stream: its get() resolves the original objects (M3.2) */
  readonly stream: MessageStream<Message>;
  /** the next message after the trigger that passes `filter`, deep-copied (M3.1) */
  readonly get: (filter?: MessageFilter<Message>, options?: GetOptions) => Promise<Message>;
  /** sends `text` from the bot into this session (M4.1) */
  readonly reply: (text: string) => Promise<unknown>;
}

/** Its returned promise is awaited; returning or throwing frees the stream (M2.6). */
export type SessionHandler = (ctx: SessionContext) => unknown;

export interface SessionOptions {
  /** the identifier generator (session manager) to register under; default 'default' */
  readonly identifier?: string;
  /** run beside other handlers, one instance per (handler, id) (M2.3) */
  readonly concurrent?: boolean;
  /** replace the running normal handler of the id (M2.4) */
  readonly override?: boolean;
  /** this handler's stream buffer; default the engine's */
  readonly bufferSize?: number;
}

export type ReplyFunction = (ctx: SessionContext, text: string) => Promise<unknown>;

export interface SessionEngineOptions {
  /** subscribed in the constructor: give a hot source (a Subject, ledger.bot's feed) */
  readonly source$: Subscribable<IncomingMessage>;
  /** sends ctx.reply(text); without it ctx.reply rejects */
  readonly reply?: ReplyFunction;
  /** default stream buffer of every handler; default 1000 */
  readonly bufferSize?: number;
  /** runs get() timeouts; default rxjs asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /** where errors go when nobody subscribes to errors$; default: a Node process warning */
  readonly logger?: Logger;
}

/** Removes a registration; instances already running go on until they end. */
export type Unregister = () => void;

/** Live resources, so tests can prove nothing leaks. */
export interface SessionEngineStats {
  /** handler calls that have not returned or thrown yet */
  readonly handlers: number;
  /** open streams (a freed or overridden stream no longer counts) */
  readonly streams: number;
  /** get() calls waiting, over all open streams */
  readonly pendingGets: number;
  /** get() timeouts armed, over all open streams */
  readonly timers: number;
  /** messages buffered, over all open streams */
  readonly buffered: number;
  /** messages still being routed (async identifiers or triggers) */
  readonly routing: number;
}
