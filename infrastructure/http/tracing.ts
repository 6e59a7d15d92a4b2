import { context, trace, SpanKind, SpanStatusCode, type Attributes, type Span, type SpanContext } from '@opentelemetry/api';
import type { EventStore, EventToAppend, RecordedEvent, SubscribeOptions, BatchHandler, Subscription } from '../../application/ports/event-store.js';

/** A no-op unless the host registered an OpenTelemetry SDK. */
export const tracer = trace.getTracer('session-ledger');

/** Runs `work` in a new active span; the span records a thrown error and ends with the work. */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>, options: { kind?: SpanKind; parent?: Span } = {}): Promise<T> {
  const parent = options.parent ? trace.setSpan(context.active(), options.parent) : context.active();
  return tracer.startActiveSpan(name, { attributes, kind: options.kind ?? SpanKind.INTERNAL }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

interface AppendTrace {
  readonly span: SpanContext;
  readonly at: number;
  delivered: boolean;
}

/**
 * An EventStore that traces appends and subscribers' batches: a batch's span is a child of the
 * span that appended its first event in this process, so request → dispatch → append → projection
 * is one trace. It also tells the last position this process appended (for the projection lag).
 */
export class ObservedEventStore implements EventStore {
  private readonly appended = new Map<string, AppendTrace>();
  private last = -1n;
  /** told, once per event appended here, the seconds until a subscriber first handled it */
  onDelivered: (seconds: number) => void = () => undefined;

  constructor(private readonly inner: EventStore, private readonly remember = 5000) {}

  get lastAppended(): bigint {
    return this.last;
  }

  appendToStream(stream: string, events: readonly EventToAppend[], options?: Parameters<EventStore['appendToStream']>[2]) {
    return inSpan('ledger.append', { 'ledger.stream': stream, 'ledger.events': events.length }, async (span) => {
      // Noted before the append: a store may deliver to subscribers before the append resolves.
      const at = performance.now();
      for (const e of events) this.appended.set(e.id, { span: span.spanContext(), at, delivered: false });
      while (this.appended.size > this.remember) this.appended.delete(this.appended.keys().next().value!);
      const result = await this.inner.appendToStream(stream, events, options);
      span.setAttribute('ledger.position', result.position.commit.toString());
      if (result.position.commit > this.last) this.last = result.position.commit;
      return result;
    });
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    const filter = options.filter?.streamPrefixes?.join(',') ?? '*';
    return this.inner.subscribeToAll(options, (events) => {
      const origin = this.originOf(events);
      if (!origin) return handler(events);
      const parent = trace.setSpanContext(context.active(), origin);
      return tracer.startActiveSpan('ledger.projection', { attributes: { 'ledger.subscriber': filter, 'ledger.events': events.length } }, parent, async (span) => {
        try {
          await handler(events);
        } finally {
          span.end();
        }
      });
    });
  }

  /** The append span of the batch's first event this process appended; records the lag once. */
  private originOf(events: readonly RecordedEvent[]): SpanContext | undefined {
    let origin: SpanContext | undefined;
    const now = performance.now();
    for (const e of events) {
      const t = this.appended.get(e.id);
      if (!t) continue;
      origin ??= t.span;
      if (!t.delivered) {
        t.delivered = true;
        this.onDelivered((now - t.at) / 1000);
      }
    }
    return origin;
  }

  readStream(...args: Parameters<EventStore['readStream']>) { return this.inner.readStream(...args); }
  readAll(...args: Parameters<EventStore['readAll']>) { return this.inner.readAll(...args); }
  readStreamsWithPrefix(...args: Parameters<EventStore['readStreamsWithPrefix']>) { return this.inner.readStreamsWithPrefix(...args); }
  deleteStream(...args: Parameters<EventStore['deleteStream']>) { return this.inner.deleteStream(...args); }
  tombstoneStream(...args: Parameters<EventStore['tombstoneStream']>) { return this.inner.tombstoneStream(...args); }
  readCheckpoint(...args: Parameters<EventStore['readCheckpoint']>) { return this.inner.readCheckpoint(...args); }
  writeCheckpoint(...args: Parameters<EventStore['writeCheckpoint']>) { return this.inner.writeCheckpoint(...args); }
  close() { return this.inner.close(); }
}
