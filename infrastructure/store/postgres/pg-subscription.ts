import type { BatchHandler, EventFilter, RecordedEvent, SubscribeOptions, Subscription } from '../../../application/ports/event-store.js';
import { SubscriptionOutcome } from '../shared/subscription-outcome.js';
import { isTransientFailure } from './pg-errors.js';

/** The reads a subscription makes; both are asynchronous, so it cannot use the in-process CatchUpSubscription. */
export interface LogSource {
  /**
   * Events after `after` that pass `filter`, in global order, at most `limit`, all below `horizon`;
   * every position below `horizon` is final, so a short page means nothing else lies before it.
   */
  readPage(after: bigint, filter: EventFilter | undefined, limit: number): Promise<{ events: RecordedEvent[]; horizon: bigint }>;
  /** position of the last committed event, -1n when the log is empty */
  head(): Promise<bigint>;
}

export interface PollPolicy {
  /** how long a caught-up subscription waits for a wake-up before it reads anyway */
  readonly idleMs: number;
  /** first pause after a connection failure, doubled up to `maxRetryMs` */
  readonly minRetryMs: number;
  readonly maxRetryMs: number;
}

const PAGE_SIZE = 512;

/**
 * A catch-up subscription to a PostgreSQL log: reads a page below the horizon, hands it to the
 * handler, and reads the next once the handler settled. When a page comes back short it has
 * reached the horizon and waits for a wake-up (a commit in this process, a NOTIFY from another,
 * or the idle timer) before reading again. Its cursor only moves to positions that are final, so
 * an event is delivered once, in order, and none is skipped. A lost connection pauses it and it
 * resumes from its cursor.
 */
export class PgSubscription implements Subscription {
  private readonly outcome = new SubscriptionOutcome();
  readonly caughtUp = this.outcome.caughtUp;
  readonly done = this.outcome.done;
  /** every event at or below this position was handled or filtered out */
  private cursor: bigint;
  private target: bigint | undefined;
  private stopping: { error?: unknown } | undefined;
  private woken = false;
  private wakeUp: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: LogSource,
    options: SubscribeOptions,
    private readonly handler: BatchHandler,
    private readonly policy: PollPolicy,
    private readonly onEnd: (subscription: PgSubscription) => void,
  ) {
    this.cursor = options.fromPosition?.commit ?? -1n;
    this.filter = options.filter;
  }

  private readonly filter: EventFilter | undefined;

  /** Starts on a microtask, so a handler that closes its own subscription already holds it. */
  start(): void {
    queueMicrotask(() => void this.run());
  }

  /** Something may have committed: read again now (or right after the batch in the handler). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops delivery now; `done` resolves once a batch already in the handler settles. */
  async close(): Promise<void> {
    this.stop({});
  }

  /** Ends the subscription for good: `done` (and `caughtUp`, if pending) reject with `error`. */
  fail(error: unknown): void {
    this.stop({ error });
    this.outcome.end(this.stopping?.error);
  }

  private stop(reason: { error?: unknown }): void {
    if (this.stopping) return;
    this.stopping = reason;
    this.onEnd(this);
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    let retry = this.policy.minRetryMs;
    while (!this.stopping) {
      try {
        await this.follow();
      } catch (error) {
        if (this.stopping) break;
        if (error instanceof HandlerFailure || !isTransientFailure(error)) {
          this.fail(error instanceof HandlerFailure ? error.error : error);
          return;
        }
        await this.pause(retry);
        retry = Math.min(retry * 2, this.policy.maxRetryMs);
      }
    }
    this.outcome.end(this.stopping?.error);
  }

  /** Reads and delivers until stopped; throws when a read or the handler fails. */
  private async follow(): Promise<void> {
    this.target ??= await this.source.head();
    this.checkCaughtUp();
    while (!this.stopping) {
      this.woken = false;
      const { events, horizon } = await this.source.readPage(this.cursor, this.filter, PAGE_SIZE);
      if (this.stopping) return;
      if (events.length > 0) {
        try {
          await this.handler(events);
        } catch (error) {
          throw new HandlerFailure(error);
        }
        if (this.stopping) return;
      }
      const full = events.length === PAGE_SIZE;
      const upTo = full ? events[events.length - 1]!.position.commit : horizon - 1n;
      if (upTo > this.cursor) this.cursor = upTo;
      this.checkCaughtUp();
      if (!full && !this.woken) await this.pause(this.policy.idleMs);
    }
  }

  /** Waits `ms`, or less if woken or stopped. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(this.timer);
        this.wakeUp = undefined;
        resolve();
      };
      if (this.stopping || this.woken) return done();
      this.wakeUp = done;
      this.timer = setTimeout(done, ms);
    });
  }

  private checkCaughtUp(): void {
    if (this.target !== undefined && this.cursor >= this.target) this.outcome.reachedCatchUp();
  }
}

/** The handler's own failure, kept apart from the connection's. */
class HandlerFailure {
  constructor(readonly error: unknown) {}
}
