import type { Logger } from '../ports/logger.js';
import { WARNING_LOGGER } from './warning-logger.js';
import { asyncScheduler, EMPTY, Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { StreamClosedError, StreamOverflowError, StreamTimeoutError, type StreamCloseReason } from './errors.js';
import { isPromiseLike, type MaybePromise } from './promise-like.js';

/** Decides whether get() takes a message; it sees the original object and must not change it. */
export type MessageFilter<T> = (message: T) => MaybePromise<boolean>;

export interface GetOptions {
  /** ms; without it (or with Infinity) get() waits until a message passes or the stream closes */
  readonly timeout?: number;
}

export interface MessageStreamOptions {
  /** most messages kept while nobody reads (M3.3); default 1000 */
  readonly bufferSize?: number;
  /** runs get() timeouts; tests may pass a virtual-time scheduler */
  readonly scheduler?: SchedulerLike;
  /** told about every dropped-oldest overflow; without it the error is logged */
  readonly onOverflow?: (error: StreamOverflowError) => void;
  /** where an overflow goes without `onOverflow`; default: a Node process warning */
  readonly logger?: Logger;
  /** called once when the stream closes, whatever the reason */
  readonly onClose?: (reason: StreamCloseReason) => void;
}

export const DEFAULT_BUFFER_SIZE = 1000;

export function checkBufferSize(bufferSize: number, where: string): number {
  if (!Number.isSafeInteger(bufferSize) || bufferSize < 1) {
    throw new RangeError(`${where}: bufferSize must be a whole number of messages >= 1, got ${String(bufferSize)}`);
  }
  return bufferSize;
}

interface Reader<T> {
  readonly filter: MessageFilter<T> | undefined;
  readonly resolve: (message: T) => void;
  readonly reject: (error: unknown) => void;
  timer: Subscription | undefined;
}

/** A message whose offer waits on an async filter; later messages wait behind it. */
interface Offer<T> {
  readonly message: T;
  readonly wasteEpoch: number;
  /** readers whose filter said no: the message counts as consumed when any did (M3.1) */
  readonly declined: Set<Reader<T>>;
}

/**
 * Ion.js's MessageStream on plain data: an ordered, bounded buffer served to get() callers in
 * call order. The engine writes with push(); a handler reads with get().
 */
export class MessageStream<T> {
  private readonly bufferSize: number;
  private readonly scheduler: SchedulerLike;
  private readonly onOverflow: ((error: StreamOverflowError) => void) | undefined;
  private readonly logger: Logger;
  private readonly onClose: ((reason: StreamCloseReason) => void) | undefined;
  private buffer: T[] = [];
  private readers: Reader<T>[] = [];
  private offer: Offer<T> | undefined;
  private wasting = false;
  private wasteEpoch = 0;
  private ending = false;
  private closedBy: StreamCloseReason | undefined;
  private entering: Subject<T> | undefined;

  constructor(options: MessageStreamOptions = {}) {
    this.bufferSize = checkBufferSize(options.bufferSize ?? DEFAULT_BUFFER_SIZE, 'MessageStream');
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.onOverflow = options.onOverflow;
    this.logger = options.logger ?? WARNING_LOGGER;
    this.onClose = options.onClose;
  }

  /** Why the stream closed, or undefined while it is open. */
  get closeReason(): StreamCloseReason | undefined {
    return this.closedBy;
  }

  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  /** true between waste() and keep() */
  get isWasting(): boolean {
    return this.wasting;
  }

  /** messages buffered, waiting for a get() */
  get size(): number {
    return this.buffer.length + (this.offer ? 1 : 0);
  }

  /** get() calls still waiting */
  get pendingGets(): number {
    return this.readers.length;
  }

  /** get() timeouts still armed */
  get pendingTimers(): number {
    let timers = 0;
    for (const reader of this.readers) if (reader.timer) timers++;
    return timers;
  }

  /** Every message entering the stream, wasted ones included (M3.7); completes when the stream closes. */
  get messages$(): Observable<T> {
    if (this.closedBy !== undefined || this.ending) return EMPTY;
    this.entering ??= new Subject<T>();
    return this.entering.asObservable();
  }

  /**
   * The next message that passes `filter`, the original object (M3.2). Messages the filter refuses
   * are consumed and dropped; with `timeout` the promise rejects with StreamTimeoutError and the
   * reader is gone, so the next message stays for the next get() (M3.6).
   */
  get(filter?: MessageFilter<T>, options: GetOptions = {}): Promise<T> {
    if (this.closedBy !== undefined) return Promise.reject(new StreamClosedError(this.closedBy));
    const { timeout } = options;
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
      return Promise.reject(new RangeError(`get(): timeout must be a number of ms >= 0, got ${String(timeout)}`));
    }
    if (filter !== undefined && typeof filter !== 'function') {
      return Promise.reject(new TypeError('get(): filter must be a function (message) => boolean'));
    }
    return new Promise<T>((resolve, reject) => {
      const reader: Reader<T> = { filter, resolve, reject, timer: undefined };
      this.readers.push(reader);
      this.pump();
      if (timeout !== undefined && timeout !== Infinity && this.readers.includes(reader)) {
        reader.timer = this.scheduler.schedule(() => this.expire(reader, timeout), timeout);
      }
    });
  }

  /** Drops what is buffered and every later message until keep() (M3.4); pending get()s keep waiting. */
  waste(): void {
    this.wasting = true;
    this.wasteEpoch++;
    this.buffer = [];
    this.pump();
  }

  /** Buffers messages again (the default). */
  keep(): void {
    this.wasting = false;
  }

  /** Synonym of waste(), as in Ion.js. */
  resume(): void {
    this.waste();
  }

  /** Synonym of keep(), as in Ion.js. */
  pause(): void {
    this.keep();
  }

  /** Ends the stream: pending and later get()s reject with StreamClosedError (M3.5). */
  free(): void {
    this.close('free');
  }

  /** Engine side: a message enters the stream. Ignored once the stream closed or ended. */
  push(message: T): void {
    if (this.closedBy !== undefined || this.ending) return;
    this.entering?.next(message);
    if (this.wasting) return;
    this.buffer.push(message);
    if (this.buffer.length > this.bufferSize) {
      const dropped = this.buffer.shift();
      this.reportOverflow(new StreamOverflowError(this.bufferSize, dropped));
    }
    this.pump();
  }

  /** Engine side: no message will enter any more; buffered ones are still served, then get() rejects. */
  end(): void {
    if (this.closedBy !== undefined || this.ending) return;
    this.ending = true;
    this.entering?.complete();
    this.pump();
  }

  /** Engine side: closes with a reason (override, engine close); free() is close('free'). */
  close(reason: StreamCloseReason): void {
    if (this.closedBy !== undefined) return;
    this.closedBy = reason;
    this.buffer = [];
    this.offer = undefined;
    const readers = this.readers;
    this.readers = [];
    for (const reader of readers) {
      reader.timer?.unsubscribe();
      reader.reject(new StreamClosedError(reason));
    }
    this.entering?.complete();
    this.onClose?.(reason);
  }

  /** Serves buffered messages to waiting readers, in order, until one side runs out. */
  private pump(): void {
    while (this.closedBy === undefined && this.offer === undefined && this.readers.length > 0 && this.buffer.length > 0) {
      const message = this.buffer.shift() as T;
      this.present({ message, wasteEpoch: this.wasteEpoch, declined: new Set() });
    }
    if (this.ending && this.closedBy === undefined && this.offer === undefined && this.buffer.length === 0) {
      this.close('end');
    }
  }

  /**
   * Offers a message to the readers in call order; the first whose filter passes takes it. An async
   * filter parks the offer until its verdict, so later messages cannot overtake it.
   */
  private present(offer: Offer<T>): void {
    for (const reader of this.readers) {
      // a filter may free() or waste() the stream: the message then has nowhere to go
      if (this.closedBy !== undefined || offer.wasteEpoch !== this.wasteEpoch) return;
      if (offer.declined.has(reader)) continue;
      let verdict: MaybePromise<boolean>;
      try {
        verdict = reader.filter ? reader.filter(offer.message) : true;
      } catch (error) {
        this.settle(reader);
        reader.reject(error);
        return this.present(offer);
      }
      if (isPromiseLike(verdict)) {
        this.offer = offer;
        verdict.then(
          (passed) => this.decided(offer, reader, { passed: Boolean(passed) }),
          (error: unknown) => this.decided(offer, reader, { error }),
        );
        return;
      }
      if (verdict) return this.deliver(reader, offer.message);
      offer.declined.add(reader);
    }
    // Nobody decided (all readers left): the message waits for the next get() instead of vanishing.
    if (offer.declined.size === 0 && this.closedBy === undefined && offer.wasteEpoch === this.wasteEpoch) {
      this.buffer.unshift(offer.message);
    }
  }

  private decided(offer: Offer<T>, reader: Reader<T>, outcome: { passed: boolean } | { error: unknown }): void {
    if (this.offer !== offer) return; // the stream closed meanwhile
    this.offer = undefined;
    const present = this.readers.includes(reader);
    if (offer.wasteEpoch !== this.wasteEpoch) {
      // waste() ran while the filter decided: the message was in the stream, so it goes too
    } else if (!present) {
      this.present(offer); // the reader timed out: its late verdict does not count
    } else if ('error' in outcome) {
      this.settle(reader);
      reader.reject(outcome.error);
      this.present(offer);
    } else if (outcome.passed) {
      this.deliver(reader, offer.message);
    } else {
      offer.declined.add(reader);
      this.present(offer);
    }
    this.pump();
  }

  private deliver(reader: Reader<T>, message: T): void {
    this.settle(reader);
    reader.resolve(message);
  }

  private expire(reader: Reader<T>, timeout: number): void {
    if (!this.readers.includes(reader)) return;
    reader.timer = undefined;
    this.settle(reader);
    reader.reject(new StreamTimeoutError(timeout));
  }

  /** Removes a reader and disarms its timer: nothing of a finished get() stays behind (M9.2, M9.5). */
  private settle(reader: Reader<T>): void {
    const index = this.readers.indexOf(reader);
    if (index >= 0) this.readers.splice(index, 1);
    reader.timer?.unsubscribe();
    reader.timer = undefined;
  }

  private reportOverflow(error: StreamOverflowError): void {
    if (this.onOverflow) this.onOverflow(error);
    else this.logger.warn(error.message, { error });
  }
}
