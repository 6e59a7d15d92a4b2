import type { BatchHandler, EventFilter, RecordedEvent, SubscribeOptions, Subscription } from '../../../application/ports/event-store.js';
import { matchesFilter } from './event-filter.js';

/** The synchronous reads a catch-up needs; synchronous, so no commit can slip between a read and going live. */
export interface LogReader {
  /** events after `after` that pass `filter`, in global order, at most `limit` of them */
  readAfter(after: bigint, filter: EventFilter | undefined, limit: number): RecordedEvent[];
  /** position of the last event in the log, -1n when it is empty */
  head(): bigint;
}

const PAGE_SIZE = 512;

/** A batch waiting for the handler; `upTo` is the log position it accounts for, filtered-out events included. */
interface Delivery {
  readonly events: readonly RecordedEvent[];
  readonly upTo: bigint;
}

/**
 * A catch-up subscription to the global log: reads pages until it reaches the head, then takes the
 * commits the store publishes. One queue carries both, and a position guard drops anything already
 * queued, so an event is delivered once even when appends race with the catch-up.
 */
export class CatchUpSubscription implements Subscription {
  readonly caughtUp: Promise<void>;
  readonly done: Promise<void>;
  private resolveCaughtUp!: () => void;
  private rejectCaughtUp!: (error: unknown) => void;
  private resolveDone!: () => void;
  private rejectDone!: (error: unknown) => void;
  private readonly pending: Delivery[] = [];
  private readonly filter: EventFilter | undefined;
  /** the position up to which events are queued or known to be filtered out */
  private queuedUpTo: bigint;
  /** the log's head when the subscription started: caughtUp resolves once it is handled */
  private catchUpTarget = -1n;
  private live = false;
  private delivering = false;
  private ended = false;
  private caughtUpSettled = false;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly reader: LogReader,
    options: SubscribeOptions,
    private readonly handler: BatchHandler,
    private readonly onEnd: (subscription: CatchUpSubscription) => void,
  ) {
    this.caughtUp = new Promise<void>((resolve, reject) => {
      this.resolveCaughtUp = resolve;
      this.rejectCaughtUp = reject;
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // callers who never await these must not crash the process with an unhandled rejection
    this.caughtUp.catch(() => undefined);
    this.done.catch(() => undefined);
    this.filter = options.filter;
    this.queuedUpTo = options.fromPosition?.commit ?? -1n;
  }

  /** Notes the head now; delivery starts on a microtask, so a handler that closes its own subscription already holds it. */
  start(): void {
    this.catchUpTarget = this.reader.head();
    this.markHandled(this.queuedUpTo);
    queueMicrotask(() => this.pump());
  }

  /** Called by the store right after a commit, with the committed events in order. */
  publish(events: readonly RecordedEvent[]): void {
    if (!this.live || this.ended) return;
    const fresh = events.filter((event) => event.position.commit > this.queuedUpTo && matchesFilter(this.filter, event));
    const last = events[events.length - 1];
    if (last && last.position.commit > this.queuedUpTo) this.queuedUpTo = last.position.commit;
    if (fresh.length === 0) return;
    const waiting = this.pending[this.pending.length - 1];
    // while the handler is busy, commits pile into one batch (up to a page) rather than one call each
    if (waiting && waiting.events.length + fresh.length <= PAGE_SIZE) this.pending[this.pending.length - 1] = { events: [...waiting.events, ...fresh], upTo: this.queuedUpTo };
    else this.pending.push({ events: fresh, upTo: this.queuedUpTo });
    this.pump();
  }

  /** Stops delivery now; `done` resolves once a batch already in the handler settles. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.pending.length = 0;
    this.onEnd(this);
    if (!this.delivering) this.finish();
  }

  /** Ends the subscription for good: `done` (and `caughtUp`, if pending) reject with `error`. */
  fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.ended = true;
    this.pending.length = 0;
    this.onEnd(this);
    this.finish();
  }

  private pump(): void {
    if (this.delivering) return;
    this.delivering = true;
    while (!this.ended) {
      let next: Delivery | undefined;
      try {
        next = this.pending.shift() ?? (this.live ? undefined : this.readPage());
      } catch (error) {
        this.delivering = false;
        this.fail(error);
        return;
      }
      if (!next) break;
      if (next.events.length > 0) {
        let outcome: void | Promise<void>;
        try {
          outcome = this.handler(next.events);
        } catch (error) {
          this.delivering = false;
          this.fail(error);
          return;
        }
        if (isThenable(outcome)) {
          outcome.then(
            () => this.resume(next.upTo),
            (error: unknown) => {
              this.delivering = false;
              this.fail(error);
            },
          );
          return;
        }
      }
      this.markHandled(next.upTo);
    }
    this.delivering = false;
    if (this.ended) this.finish();
  }

  private resume(handledUpTo: bigint): void {
    this.delivering = false;
    if (this.ended) return this.finish();
    this.markHandled(handledUpTo);
    this.pump();
  }

  /** Reads the next catch-up page; a short page means the head was reached, so it goes live in the same tick. */
  private readPage(): Delivery {
    const events = this.reader.readAfter(this.queuedUpTo, this.filter, PAGE_SIZE);
    const last = events[events.length - 1];
    if (events.length < PAGE_SIZE) {
      this.live = true;
      const head = this.reader.head();
      if (head > this.queuedUpTo) this.queuedUpTo = head;
    } else if (last) {
      this.queuedUpTo = last.position.commit;
    }
    return { events, upTo: this.queuedUpTo };
  }

  private markHandled(upTo: bigint): void {
    if (!this.caughtUpSettled && upTo >= this.catchUpTarget) {
      this.caughtUpSettled = true;
      this.resolveCaughtUp();
    }
  }

  private finish(): void {
    const error = this.failure ? this.failure.error : new Error('the subscription was closed before it caught up');
    if (!this.caughtUpSettled) {
      this.caughtUpSettled = true;
      this.rejectCaughtUp(error);
    }
    if (this.failure) this.rejectDone(this.failure.error);
    else this.resolveDone();
  }
}

function isThenable(value: unknown): value is PromiseLike<void> {
  return typeof (value as PromiseLike<void> | undefined)?.then === 'function';
}
