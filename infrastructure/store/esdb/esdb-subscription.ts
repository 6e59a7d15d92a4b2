import type { AllStreamResolvedEvent, AllStreamSubscription } from '@eventstore/db-client';
import {
  START,
  comparePositions,
  type BatchHandler,
  type EventFilter,
  type Position,
  type RecordedEvent,
  type Subscription,
} from '../../../application/ports/event-store.js';
import { isTransportFailure } from './esdb-errors.js';
import { isLedgerEvent, positionOf, toRecordedEvent } from './esdb-events.js';
import { matchesFilter } from '../shared/event-filter.js';

/** What the subscription needs from its store: open the client's subscription, find the log's end. */
export interface SubscriptionSource {
  /** the client's catch-up subscription strictly after `after` (from the start when undefined) */
  open(after: Position | undefined, onCheckpoint: (subscription: AllStreamSubscription, position: Position) => void): AllStreamSubscription;
  /** position of the last event in `$all` now; undefined when `$all` is empty */
  endOfLog(): Promise<Position | undefined>;
}

export interface ReconnectPolicy {
  /** first pause before resubscribing after the connection dropped, doubled up to `maxDelayMs` */
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

/** an event read off the client's stream or a marker the stream emitted between two events */
interface Marker {
  /** how many items the stream had produced when the marker was emitted */
  readonly at: number;
  readonly caughtUp?: true;
  readonly checkpoint?: Position;
}

/** The handler's own failure, kept apart from the connection's. */
class HandlerFailure {
  constructor(readonly error: unknown) {}
}

/**
 * A catch-up subscription to `$all` on EventStoreDB. Batches what the client has buffered, hands it
 * to the handler and reads nothing more until the handler's promise settles (the client's stream
 * stays paused, so gRPC flow control pushes back on the server). When the connection drops it
 * resubscribes from the position of the last event it handled, so nothing is missed or repeated.
 *
 * `caughtUp` resolves when the server says the catch-up ended (EventStoreDB 23.10 and later) once
 * the events before that signal are handled, or when the handled position (or a filter
 * checkpoint) reaches the end of `$all` read at the start, whichever comes first.
 */
export class EsdbSubscription implements Subscription {
  readonly caughtUp: Promise<void>;
  readonly done: Promise<void>;
  private settleCaughtUp!: (error?: unknown) => void;
  private settleDone!: (error?: unknown) => void;
  private caughtUpSettled = false;
  private finished = false;
  /** the position of the last event handled or skipped; the next subscription starts after it */
  private resumeAfter: Position | undefined;
  private catchUpTarget: { position: Position | undefined } | undefined;
  private current: AllStreamSubscription | undefined;
  private stopping: { error?: unknown } | undefined;
  private wake: (() => void) | undefined;
  private pause: NodeJS.Timeout | undefined;
  /** whether the current connection delivered anything: a drop after progress reconnects at once */
  private progressed = false;

  private readonly source: SubscriptionSource;
  private readonly filter: EventFilter | undefined;
  private readonly handler: BatchHandler;
  private readonly policy: ReconnectPolicy;
  private readonly onEnd: (subscription: EsdbSubscription) => void;

  constructor({ source, fromPosition, filter, handler, policy, onEnd }: {
    source: SubscriptionSource;
    fromPosition: Position | undefined;
    filter: EventFilter | undefined;
    handler: BatchHandler;
    policy: ReconnectPolicy;
    onEnd: (subscription: EsdbSubscription) => void;
  }) {
    this.source = source;
    this.filter = filter;
    this.handler = handler;
    this.policy = policy;
    this.onEnd = onEnd;
    this.caughtUp = new Promise<void>((resolve, reject) => {
      this.settleCaughtUp = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.settleDone = (error) => (error === undefined ? resolve() : reject(error));
    });
    // callers who never await these must not crash the process with an unhandled rejection
    this.caughtUp.catch(() => undefined);
    this.done.catch(() => undefined);
    this.resumeAfter = fromPosition && comparePositions(fromPosition, START) > 0 ? fromPosition : undefined;
  }

  /** Starts on a microtask, so a handler that closes its own subscription already holds it. */
  start(): void {
    queueMicrotask(() => void this.run());
  }

  /** Stops delivery now; `done` resolves once a batch already in the handler settles. */
  async close(): Promise<void> {
    this.stop({});
  }

  /** Ends the subscription for good: `done` (and `caughtUp`, if pending) reject with `error`. */
  fail(error: unknown): void {
    this.stop({ error });
  }

  private stop(reason: { error?: unknown }): void {
    if (this.stopping) return;
    this.stopping = reason;
    clearTimeout(this.pause);
    this.current?.unsubscribe().catch(() => undefined);
    this.onEnd(this);
    this.wake?.();
    // a failure settles now; a close waits for the batch in the handler (see run)
    if (reason.error !== undefined) this.finish();
  }

  private async run(): Promise<void> {
    let delay = this.policy.minDelayMs;
    while (!this.stopping) {
      this.progressed = false;
      try {
        await this.attempt();
      } catch (error) {
        if (this.stopping) break;
        if (error instanceof HandlerFailure) {
          this.stop({ error: error.error });
          break;
        }
        if (!isTransportFailure(error)) {
          this.stop({ error });
          break;
        }
      }
      if (this.stopping) break;
      // the connection dropped: wait, then resubscribe after the last handled position
      if (this.progressed) delay = this.policy.minDelayMs;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.pause = setTimeout(resolve, delay);
      });
      delay = Math.min(delay * 2, this.policy.maxDelayMs);
    }
    this.finish();
  }

  /** One subscription on the current connection; returns (or throws) when it ends. */
  private async attempt(): Promise<void> {
    if (!this.catchUpTarget) {
      this.catchUpTarget = { position: await this.source.endOfLog() };
      this.checkTarget(this.resumeAfter ?? START);
    }
    if (this.stopping) return;
    const markers: Marker[] = [];
    let produced = 0;
    let failure: { error: unknown } | undefined;
    const subscription = this.source.open(this.resumeAfter, (stream, position) => {
      markers.push({ at: produced + stream.readableLength, checkpoint: position });
    });
    this.current = subscription;
    const signal = () => this.wake?.();
    const onCaughtUp = () => {
      // everything the stream produced before this signal is in its buffer or already read
      markers.push({ at: produced + subscription.readableLength, caughtUp: true });
      signal();
    };
    const onError = (error: unknown) => {
      failure ??= { error };
      signal();
    };
    const onEnd = () => {
      failure ??= { error: Object.assign(new Error('the server ended the subscription'), { code: 14 }) };
      signal();
    };
    subscription.on('readable', signal);
    subscription.on('caughtUp', onCaughtUp);
    subscription.on('error', onError);
    subscription.on('end', onEnd);
    try {
      while (!this.stopping) {
        const batch: RecordedEvent[] = [];
        let last: Position | undefined;
        let taken = 0;
        for (let item: AllStreamResolvedEvent | null; taken < MAX_BATCH && (item = subscription.read() as AllStreamResolvedEvent | null) !== null; ) {
          taken += 1;
          const position = positionOf(item);
          if (position) last = position;
          const event = toRecordedEvent(item);
          if (event && isLedgerEvent(event) && matchesFilter(this.filter, event)) batch.push(event);
        }
        produced += taken;
        if (taken > 0) {
          if (batch.length > 0) await this.deliver(batch);
          if (this.stopping) return;
          this.progressed = true;
          if (last) this.resumeAfter = last;
          this.checkTarget(this.resumeAfter ?? START);
        }
        this.applyMarkers(markers, produced);
        if (taken > 0) continue;
        if (failure) throw failure.error;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.wake = undefined;
      this.current = undefined;
      subscription.off('readable', signal);
      subscription.off('caughtUp', onCaughtUp);
      subscription.off('end', onEnd);
      // keep swallowing errors: a cancelled or broken stream may still report one
      subscription.off('error', onError);
      subscription.on('error', () => undefined);
      subscription.unsubscribe().catch(() => undefined);
    }
  }

  private async deliver(batch: readonly RecordedEvent[]): Promise<void> {
    try {
      await this.handler(batch);
    } catch (error) {
      throw new HandlerFailure(error);
    }
  }

  private applyMarkers(markers: Marker[], handled: number): void {
    while (markers.length > 0 && markers[0]!.at <= handled) {
      const marker = markers.shift()!;
      if (marker.caughtUp) this.resolveCaughtUp();
      if (marker.checkpoint) this.checkTarget(marker.checkpoint);
    }
  }

  private checkTarget(handledUpTo: Position): void {
    if (!this.catchUpTarget) return;
    const target = this.catchUpTarget.position;
    if (target === undefined || comparePositions(handledUpTo, target) >= 0) this.resolveCaughtUp();
  }

  private resolveCaughtUp(): void {
    if (this.caughtUpSettled) return;
    this.caughtUpSettled = true;
    this.settleCaughtUp();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const error = this.stopping?.error;
    if (!this.caughtUpSettled) {
      this.caughtUpSettled = true;
      this.settleCaughtUp(error ?? new Error('the subscription was closed before it caught up'));
    }
    this.settleDone(error);
  }
}

/** the most events one handler call receives */
const MAX_BATCH = 512;
