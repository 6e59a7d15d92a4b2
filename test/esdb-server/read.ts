/**
 * Streams/Read: reads of one stream and of `$all` in both directions, and catch-up subscriptions
 * to `$all` with server-side filters, checkpoints and caught-up, which is what the adapter uses.
 * A subscription to one stream is refused as unimplemented: the adapter never asks for one.
 */
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { StoredEvent } from './esdb-data.js';
import { streamIdentifier, streamNameOf, streamsPb, uuidMessage, type ReadReq, type ReadResp, type StreamsPb } from './protocol.js';
import type { RpcContext } from './rpc-context.js';
import { invalidArgument, isServiceError, streamDeleted, type ServiceError } from './rpc-errors.js';

/** EventStoreDB's default filter search window: checkpoints come every multiplier × 32 events */
const DEFAULT_SEARCH_WINDOW = 32;

type From = bigint | 'start' | 'end';

export function read(context: RpcContext, call: grpc.ServerWritableStream<ReadReq, ReadResp>): void {
  const options = call.request.getOptions();
  if (!options) return void call.emit('error', invalidArgument('ReadReq.options is required'));
  const forwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.FORWARDS;
  const subscription = options.hasSubscription();
  const count = subscription ? Infinity : Number(BigInt(options.getCount() || '0'));
  const filter = options.hasFilter() ? compileFilter(options.getFilter()!) : undefined;
  let work: (session: CallSession) => Promise<void>;
  if (options.hasStream()) {
    if (subscription) return void call.emit('error', unimplemented('subscriptions to one stream'));
    const streamOptions = options.getStream()!;
    const name = streamNameOf(streamOptions.getStreamIdentifier());
    const from: From = streamOptions.hasRevision() ? BigInt(streamOptions.getRevision()) : streamOptions.hasEnd() ? 'end' : 'start';
    work = (session) => readStream(context, session, name, from, forwards, count);
  } else if (options.hasAll()) {
    const allOptions = options.getAll()!;
    const from: From = allOptions.hasPosition() ? BigInt(allOptions.getPosition()!.getCommitPosition()) : allOptions.hasEnd() ? 'end' : 'start';
    work = subscription
      ? (session) => subscribeToAll(context, session, from, filter)
      : (session) => readAll(context, session, from, forwards, count, filter);
  } else {
    return void call.emit('error', invalidArgument('ReadReq.options needs stream or all'));
  }
  const session = new CallSession(call, context.stopHandlers);
  work(session).then(
    () => session.finish(),
    (error: unknown) => session.fail(error),
  );
}

function unimplemented(what: string): ServiceError {
  return { code: grpc.status.UNIMPLEMENTED, details: `the test server does not implement ${what}` };
}

async function readStream(context: RpcContext, session: CallSession, name: string, from: From, forwards: boolean, count: number): Promise<void> {
  const { data } = context;
  const view = data.view(name);
  if (view.kind === 'deleted') throw streamDeleted(name);
  if (view.kind === 'not-found') {
    const response = new streamsPb.ReadResp();
    const notFound = new streamsPb.ReadResp.StreamNotFound();
    notFound.setStreamIdentifier(streamIdentifier(name));
    response.setStreamNotFound(notFound);
    await session.send(response);
    return;
  }
  let sent = 0;
  if (forwards) {
    let revision = from === 'start' ? 0n : from === 'end' ? view.last + 1n : from;
    if (revision < view.first) revision = view.first;
    for (; revision <= view.last && sent < count; revision++, sent++) {
      if (!(await session.send(eventResponse(context, data.eventAt(name, revision)!)))) return;
    }
  } else {
    let revision = from === 'end' ? view.last : from === 'start' ? 0n : from;
    if (revision > view.last) revision = view.last;
    for (; revision >= view.first && sent < count; revision--, sent++) {
      if (!(await session.send(eventResponse(context, data.eventAt(name, revision)!)))) return;
    }
  }
}

async function readAll(context: RpcContext, session: CallSession, from: From, forwards: boolean, count: number, filter: EventFilter | undefined): Promise<void> {
  const { data } = context;
  const log = data.log;
  let sent = 0;
  // forwards from a position includes the event at that position; backwards returns those before it
  let index = forwards
    ? (from === 'start' ? 0 : from === 'end' ? log.length : data.indexAtOrAfter(from))
    : (from === 'end' ? log.length - 1 : from === 'start' ? -1 : data.indexAtOrAfter(from) - 1);
  for (; index >= 0 && index < log.length && sent < count; index += forwards ? 1 : -1) {
    const event = log[index]!;
    if (filter && !filter.matches(event)) continue;
    if (!(await session.send(eventResponse(context, event)))) return;
    sent++;
  }
}

async function subscribeToAll(context: RpcContext, session: CallSession, from: From, filter: EventFilter | undefined): Promise<void> {
  const { data } = context;
  if (!(await session.send(confirmation()))) return;
  const log = data.log;
  // a subscription starts after the position it is given
  let index = from === 'start' ? 0 : from === 'end' ? log.length : data.indexAtOrAfter(from + 1n);
  let scannedSinceCheckpoint = 0;
  let lastScanned: StoredEvent | undefined;
  let caughtUp = false;
  while (session.open) {
    while (index < log.length) {
      const event = log[index++]!;
      lastScanned = event;
      if (!filter || filter.matches(event)) {
        if (!(await session.send(eventResponse(context, event)))) return;
      }
      if (filter && ++scannedSinceCheckpoint >= filter.checkpointInterval) {
        scannedSinceCheckpoint = 0;
        if (!(await session.send(checkpoint(event.position)))) return;
      }
    }
    if (!caughtUp) {
      caughtUp = true;
      // a filtered subscription reports where its catch-up scan ended before going live
      if (filter && lastScanned && scannedSinceCheckpoint > 0) {
        scannedSinceCheckpoint = 0;
        if (!(await session.send(checkpoint(lastScanned.position)))) return;
      }
      if (!(await session.send(caughtUpResponse()))) return;
      // events may have arrived while those were sent: scan again before waiting
      continue;
    }
    // no await between the scan above and this wait, so no append can slip between them
    await session.until(data.nextAppend());
  }
}

// ---- responses ---------------------------------------------------------------------------------

function eventResponse(context: RpcContext, event: StoredEvent): ReadResp {
  context.sent.events++;
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(uuidMessage(event.id));
  recorded.setStreamIdentifier(streamIdentifier(event.streamName));
  recorded.setStreamRevision(event.revision.toString());
  recorded.setPreparePosition(event.position.toString());
  recorded.setCommitPosition(event.position.toString());
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('content-type', event.contentType);
  metadata.set('created', event.created.toString());
  recorded.setCustomMetadata(event.customMetadata);
  recorded.setData(event.data);
  const readEvent = new streamsPb.ReadResp.ReadEvent();
  readEvent.setEvent(recorded);
  readEvent.setCommitPosition(event.position.toString());
  const response = new streamsPb.ReadResp();
  response.setEvent(readEvent);
  return response;
}

function confirmation(): ReadResp {
  const confirmed = new streamsPb.ReadResp.SubscriptionConfirmation();
  confirmed.setSubscriptionId(randomUUID());
  const response = new streamsPb.ReadResp();
  response.setConfirmation(confirmed);
  return response;
}

function checkpoint(position: bigint): ReadResp {
  const reached = new streamsPb.ReadResp.Checkpoint();
  reached.setCommitPosition(position.toString());
  reached.setPreparePosition(position.toString());
  const response = new streamsPb.ReadResp();
  response.setCheckpoint(reached);
  return response;
}

function caughtUpResponse(): ReadResp {
  const response = new streamsPb.ReadResp();
  response.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
  return response;
}

// ---- one call ----------------------------------------------------------------------------------

/**
 * One server-streaming call: writes with back-pressure, and knows when the client went away or the
 * server stopped so the loops feeding it end.
 */
class CallSession {
  private ended = false;
  private readonly abort: Promise<void>;
  private readonly onStop: () => void;

  constructor(
    private readonly call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    private readonly stopHandlers: Set<() => void>,
  ) {
    let abort!: () => void;
    this.abort = new Promise<void>((resolve) => (abort = resolve));
    this.onStop = () => {
      this.ended = true;
      abort();
    };
    stopHandlers.add(this.onStop);
    call.on('cancelled', this.onStop);
    call.on('close', this.onStop);
  }

  get open(): boolean {
    return !this.ended && !this.call.cancelled && !this.call.destroyed;
  }

  /** false when the call is gone and the caller should stop */
  async send(response: ReadResp): Promise<boolean> {
    if (!this.open) return false;
    if (!this.call.write(response)) {
      await Promise.race([once(this.call, 'drain'), this.abort]);
    }
    return this.open;
  }

  until(promise: Promise<void>): Promise<void> {
    return Promise.race([promise, this.abort]);
  }

  finish(): void {
    this.release();
    if (this.open && !this.call.writableEnded) this.call.end();
  }

  fail(error: unknown): void {
    this.release();
    if (!this.open || this.call.writableEnded) return;
    const serviceError: ServiceError = isServiceError(error) ? error : { code: grpc.status.INTERNAL, details: String(error) };
    this.call.emit('error', serviceError);
  }

  private release(): void {
    this.stopHandlers.delete(this.onStop);
  }
}

// ---- filters -----------------------------------------------------------------------------------

interface EventFilter {
  readonly checkpointInterval: number;
  matches(event: StoredEvent): boolean;
}

function compileFilter(options: StreamsPb.ReadReq.Options.FilterOptions): EventFilter {
  const onStream = options.hasStreamIdentifier();
  const expression = onStream ? options.getStreamIdentifier()! : options.getEventType()!;
  const prefixes = expression.getPrefixList();
  const regex = prefixes.length === 0 && expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const window = options.hasMax() ? options.getMax() : DEFAULT_SEARCH_WINDOW;
  const multiplier = options.getCheckpointintervalmultiplier() || 1;
  return {
    checkpointInterval: Math.max(1, window * multiplier),
    matches(event) {
      const subject = onStream ? event.streamName : event.type;
      if (regex) return regex.test(subject);
      return prefixes.some((prefix: string) => subject.startsWith(prefix));
    },
  };
}
