import type { Subscription } from 'rxjs';
import type { MaybePromise } from './promise-like.js';

/** Decides whether get() takes a message; it sees the original object and must not change it. */
export type MessageFilter<T> = (message: T) => MaybePromise<boolean>;

/** A pending get(), linked to the next one in call order. */
export interface Reader<T> {
  readonly filter: MessageFilter<T> | undefined;
  readonly resolve: (message: T) => void;
  readonly reject: (error: unknown) => void;
  /** resolve a deep copy (ctx.get, M3.1) instead of the original (ctx.stream.get, M3.2) */
  readonly copy: boolean;
  timer: Subscription | undefined;
  next: Reader<T> | undefined;
  /** still waiting: false once it resolved, rejected or timed out */
  queued: boolean;
}

/**
 * The pending get()s of a stream in call order, as a linked list: queuing and settling one
 * allocates nothing beyond the reader, and a stream with no reader holds two empty fields.
 */
export abstract class ReaderQueue<T> {
  protected head: Reader<T> | undefined;
  private tail: Reader<T> | undefined;

  /** get() calls still waiting */
  get pendingGets(): number {
    let readers = 0;
    for (let reader = this.head; reader; reader = reader.next) readers++;
    return readers;
  }

  /** get() timeouts still armed */
  get pendingTimers(): number {
    let timers = 0;
    for (let reader = this.head; reader; reader = reader.next) if (reader.timer) timers++;
    return timers;
  }

  protected enqueue(reader: Reader<T>): void {
    if (this.tail) this.tail.next = reader;
    else this.head = reader;
    this.tail = reader;
  }

  /** Takes a reader out of the queue and disarms its timer (M9.2, M9.5); idempotent. */
  protected settle(reader: Reader<T>): void {
    if (reader.queued) {
      reader.queued = false;
      let previous: Reader<T> | undefined;
      let at = this.head;
      while (at !== undefined && at !== reader) {
        previous = at;
        at = at.next;
      }
      if (at === reader) {
        if (previous) previous.next = reader.next;
        else this.head = reader.next;
        if (this.tail === reader) this.tail = previous;
      }
      reader.next = undefined;
    }
    reader.timer?.unsubscribe();
    reader.timer = undefined;
  }

  /** Empties the queue, settling every reader, and hands them over in call order. */
  protected settleAll(each: (reader: Reader<T>) => void): void {
    let reader = this.head;
    this.head = this.tail = undefined;
    while (reader) {
      const next = reader.next;
      reader.queued = false;
      reader.next = undefined;
      reader.timer?.unsubscribe();
      reader.timer = undefined;
      each(reader);
      reader = next;
    }
  }
}
