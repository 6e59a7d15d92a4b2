import { EMPTY, Subject, type Observable } from 'rxjs';
import { deepCopy } from './deep-copy.js';
import { StreamClosedError, StreamOverflowError, StreamTimeoutError, type StreamCloseReason } from './errors.js';
import { isPromiseLike, type MaybePromise } from './promise-like.js';
import { ReaderQueue, type MessageFilter, type Reader } from './reader-queue.js';
import { StreamSettings, type MessageStreamOptions } from './stream-settings.js';

export type { MessageFilter } from './reader-queue.js';
export { checkBufferSize, DEFAULT_BUFFER_SIZE, StreamSettings, type MessageStreamOptions } from './stream-settings.js';

export interface GetOptions {
  /** ms; without it (or with Infinity) get() waits until a message passes or the stream closes */
  readonly timeout?: number;
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
 * call order. The engine writes with push(); a handler reads with get(). A message that finds a
 * reader waiting goes straight to it; the buffer exists only while messages wait.
 */
export class MessageStream<T> extends ReaderQueue<T> {
  private readonly settings: StreamSettings;
  private buffer: T[] | undefined;
  private offer: Offer<T> | undefined;
  private wasting = false;
  private wasteEpoch = 0;
  private ending = false;
  private closedBy: StreamCloseReason | undefined;
  private entering: Subject<T> | undefined;

  constructor(options: MessageStreamOptions = {}) {
    super();
    this.settings = options instanceof StreamSettings ? options : new StreamSettings(options);
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
    return (this.buffer?.length ?? 0) + (this.offer ? 1 : 0);
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
  get(filter?: MessageFilter<T>, options?: GetOptions): Promise<T> {
    return this.read(filter, options, false);
  }

  /** get(), resolving a deep copy of the message (ctx.get, M3.1); the copy is made only on delivery. */
  getCopy(filter?: MessageFilter<T>, options?: GetOptions): Promise<T> {
    return this.read(filter, options, true);
  }

  /** Drops what is buffered and every later message until keep() (M3.4); pending get()s keep waiting. */
  waste(): void {
    this.wasting = true;
    this.wasteEpoch++;
    this.buffer = undefined;
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
    if (this.head !== undefined && this.offer === undefined && !this.buffer?.length) {
      this.present(message, this.wasteEpoch, undefined); // a reader waits: no buffering
      return;
    }
    const buffer = (this.buffer ??= []);
    buffer.push(message);
    if (buffer.length > this.settings.bufferSize) {
      const dropped = buffer.shift();
      this.reportOverflow(new StreamOverflowError(this.settings.bufferSize, dropped));
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
    this.buffer = undefined;
    this.offer = undefined;
    this.settleAll((reader) => reader.reject(new StreamClosedError(reason)));
    this.entering?.complete();
    this.whenClosed(reason);
  }

  /** Called once, when the stream closes; the engine's streams release their id here. */
  protected whenClosed(reason: StreamCloseReason): void {
    this.settings.onClose?.(reason);
  }

  private read(filter: MessageFilter<T> | undefined, options: GetOptions | undefined, copy: boolean): Promise<T> {
    if (this.closedBy !== undefined) return Promise.reject(new StreamClosedError(this.closedBy));
    const timeout = options?.timeout;
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
      return Promise.reject(new RangeError(`get(): timeout must be a number of ms >= 0, got ${String(timeout)}`));
    }
    if (filter !== undefined && typeof filter !== 'function') {
      return Promise.reject(new TypeError('get(): filter must be a function (message) => boolean'));
    }
    if (filter === undefined && this.head === undefined && this.offer === undefined && this.buffer?.length) {
      // the next buffered message is this get()'s: no reader to queue
      const message = this.buffer.shift() as T;
      this.pump();
      return copy ? copied(message) : Promise.resolve(message);
    }
    const promise = new Promise<T>(capture);
    const resolve = captured.resolve as (message: T) => void;
    const reader: Reader<T> = { filter, resolve, reject: captured.reject, copy, timer: undefined, next: undefined, queued: true };
    try {
      this.enqueue(reader);
      this.pump();
      if (timeout !== undefined && timeout !== Infinity && reader.queued) this.arm(reader, timeout);
    } catch (error) {
      this.settle(reader);
      reader.reject(error);
    }
    return promise;
  }

  /** Its own method, so read() makes no closure (nor closure context) when there is no timeout. */
  private arm(reader: Reader<T>, timeout: number): void {
    reader.timer = this.settings.scheduler.schedule(() => this.expire(reader, timeout), timeout);
  }

  /** Serves buffered messages to waiting readers, in order, until one side runs out. */
  private pump(): void {
    while (this.closedBy === undefined && this.offer === undefined && this.head !== undefined && this.buffer?.length) {
      this.present(this.buffer.shift() as T, this.wasteEpoch, undefined);
    }
    if (this.ending && this.closedBy === undefined && this.offer === undefined && !this.buffer?.length) {
      this.close('end');
    }
  }

  /**
   * Offers a message to the readers in call order; the first whose filter passes takes it. An async
   * filter parks the offer until its verdict, so later messages cannot overtake it. `declined` (made
   * only once a filter says no) holds the readers that refused it already.
   */
  private present(message: T, wasteEpoch: number, declined: Set<Reader<T>> | undefined): void {
    for (let reader = this.head; reader; reader = reader.next) {
      // a filter may free() or waste() the stream: the message then has nowhere to go
      if (this.closedBy !== undefined || wasteEpoch !== this.wasteEpoch) return;
      if (declined?.has(reader)) continue;
      let verdict: MaybePromise<boolean>;
      try {
        verdict = reader.filter ? reader.filter(message) : true;
      } catch (error) {
        this.settle(reader);
        reader.reject(error);
        return this.present(message, wasteEpoch, declined);
      }
      if (isPromiseLike(verdict)) {
        const offer: Offer<T> = { message, wasteEpoch, declined: declined ?? new Set() };
        this.offer = offer;
        verdict.then(
          (passed) => this.decided(offer, reader, { passed: Boolean(passed) }),
          (error: unknown) => this.decided(offer, reader, { error }),
        );
        return;
      }
      if (verdict) return this.deliver(reader, message);
      (declined ??= new Set()).add(reader);
    }
    // Nobody decided (all readers left): the message waits for the next get() instead of vanishing.
    if (!declined?.size && this.closedBy === undefined && wasteEpoch === this.wasteEpoch) {
      (this.buffer ??= []).unshift(message);
    }
  }

  private decided(offer: Offer<T>, reader: Reader<T>, outcome: { passed: boolean } | { error: unknown }): void {
    if (this.offer !== offer) return; // the stream closed meanwhile
    this.offer = undefined;
    const { message, wasteEpoch, declined } = offer;
    if (wasteEpoch !== this.wasteEpoch) {
      // waste() ran while the filter decided: the message was in the stream, so it goes too
    } else if (!reader.queued) {
      this.present(message, wasteEpoch, declined); // the reader timed out: its late verdict does not count
    } else if ('error' in outcome) {
      this.settle(reader);
      reader.reject(outcome.error);
      this.present(message, wasteEpoch, declined);
    } else if (outcome.passed) {
      this.deliver(reader, message);
    } else {
      declined.add(reader);
      this.present(message, wasteEpoch, declined);
    }
    this.pump();
  }

  private deliver(reader: Reader<T>, message: T): void {
    this.settle(reader);
    if (!reader.copy) return reader.resolve(message);
    let copy: T;
    try {
      copy = deepCopy(message);
    } catch (error) {
      return reader.reject(error);
    }
    reader.resolve(copy);
  }

  private expire(reader: Reader<T>, timeout: number): void {
    if (!reader.queued) return;
    reader.timer = undefined;
    this.settle(reader);
    reader.reject(new StreamTimeoutError(timeout));
  }

  private reportOverflow(error: StreamOverflowError): void {
    if (this.settings.onOverflow) this.settings.onOverflow(error);
    else this.settings.logger.warn(error.message, { error });
  }
}

/**
 * The executor every get() promise shares: the Promise constructor calls it synchronously, so the
 * resolving functions are taken from `captured` right after, with no executor closure per get().
 */
const captured = { resolve: (_value: never) => {}, reject: (_error: unknown) => {} };
function capture(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

function copied<T>(message: T): Promise<T> {
  try {
    return Promise.resolve(deepCopy(message));
  } catch (error) {
    return Promise.reject(error);
  }
}
