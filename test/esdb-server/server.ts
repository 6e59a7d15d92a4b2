/**
 * A wire-compatible EventStoreDB test server: the client package's own gRPC service definitions
 * served by @grpc/grpc-js on 127.0.0.1, insecure (`esdb://127.0.0.1:PORT?tls=false`), with the
 * data in an EsdbData object that survives stop() and start() on the same port.
 *
 * Implemented: ServerFeatures/GetSupportedMethods, Gossip/Read (one live leader: itself, so
 * `esdb+discover://` and multi-host connection strings work too), Streams/Read (streams and `$all`, both
 * directions, catch-up subscriptions to streams and to `$all` with filters, checkpoints and
 * caught-up), Streams/Append, Streams/BatchAppend, Streams/Delete, Streams/Tombstone.
 */
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import * as net from 'node:net';
import { EsdbData, type Expected, type ProposedEvent, type StoredEvent } from './esdb-data.js';
import {
  gossipGrpc,
  gossipPb,
  serverFeaturesGrpc,
  sharedPb,
  streamIdentifier,
  streamNameOf,
  streamsGrpc,
  streamsPb,
  uuidMessage,
  uuidToString,
  type AppendReq,
  type StreamsPb,
  type AppendResp,
  type BatchAppendReq,
  type BatchAppendResp,
  type DeleteReq,
  type DeleteResp,
  type ReadReq,
  type ReadResp,
  type RpcStatus,
  type TombstoneReq,
  type TombstoneResp,
  type Uuid,
} from './protocol.js';

import {
  appendExpected,
  badRequest,
  batchExpected,
  batchResponse,
  caughtUpResponse,
  checkpoint,
  confirmation,
  eventResponse,
  maximumAppendSizeStatus,
  supportedMethods,
  timeoutStatus,
  toProposedEvent,
} from './messages.js';
import {
  invalidArgument,
  isServiceError,
  maximumAppendSizeExceeded,
  requiredMetadataMissing,
  streamDeleted,
  wrongExpectedVersionError,
  type ServiceError,
} from './rpc-errors.js';

export { EsdbData } from './esdb-data.js';

export interface TestServerOptions {
  /** 0 or absent: an ephemeral port, kept for every later start() */
  readonly port?: number;
  /** the storage; pass the same object to a new server to keep the data */
  readonly data?: EsdbData;
  /** EventStoreDB's default maximum append size is 1 MiB */
  readonly maxAppendSize?: number;
}

export interface TestServer {
  /** `esdb://127.0.0.1:PORT?tls=false` */
  readonly url: string;
  readonly port: number;
  readonly data: EsdbData;
  readonly running: boolean;
  /** how many calls each RPC received, e.g. to see which append RPC the client chose */
  readonly calls: Readonly<Record<RpcName, number>>;
  /** drops every connection at once, like a crashed node; the data stays */
  stop(): Promise<void>;
  /** listens again on the same port */
  start(): Promise<void>;
  /** stops for good */
  close(): Promise<void>;
}

export type RpcName = 'getSupportedMethods' | 'gossip' | 'read' | 'append' | 'batchAppend' | 'delete' | 'tombstone';

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const server = new EsdbTestServer(options.data ?? new EsdbData(), options.port ?? 0, options.maxAppendSize ?? 1024 * 1024);
  await server.start();
  return server;
}

const HOST = '127.0.0.1';
/** EventStoreDB's default filter search window: checkpoints come every multiplier × 32 events */
const DEFAULT_SEARCH_WINDOW = 32;

class EsdbTestServer implements TestServer {
  private server: { readonly grpc: grpc.Server; readonly listener: net.Server; readonly sockets: Set<net.Socket> } | undefined;
  private closed = false;
  private readonly instanceId = randomUUID();
  readonly calls: Record<RpcName, number> = { getSupportedMethods: 0, gossip: 0, read: 0, append: 0, batchAppend: 0, delete: 0, tombstone: 0 };
  /** aborts every running subscription and pending batch when the server stops */
  private readonly stopHandlers = new Set<() => void>();

  constructor(
    readonly data: EsdbData,
    private boundPort: number,
    private readonly maxAppendSize: number,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `esdb://${HOST}:${this.boundPort}?tls=false`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('the test server was closed; start a new one with the same data');
    if (this.server) return;
    const server = new grpc.Server();
    server.addService(serverFeaturesGrpc.ServerFeaturesService, {
      getSupportedMethods: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        this.calls.getSupportedMethods++;
        callback(null, supportedMethods());
      },
    });
    server.addService(gossipGrpc.GossipService, {
      read: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        this.calls.gossip++;
        callback(null, this.clusterInfo());
      },
    });
    server.addService(streamsGrpc.StreamsService, {
      read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => {
        this.calls.read++;
        this.read(call);
      },
      append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) => {
        this.calls.append++;
        this.append(call, callback);
      },
      batchAppend: (call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => {
        this.calls.batchAppend++;
        this.batchAppend(call);
      },
      delete: (call: grpc.ServerUnaryCall<DeleteReq, DeleteResp>, callback: grpc.sendUnaryData<DeleteResp>) => {
        this.calls.delete++;
        this.softDelete(call, callback);
      },
      tombstone: (call: grpc.ServerUnaryCall<TombstoneReq, TombstoneResp>, callback: grpc.sendUnaryData<TombstoneResp>) => {
        this.calls.tombstone++;
        this.tombstone(call, callback);
      },
    });
    // our own listener hands sockets to grpc-js, so stop() can drop them like a crashed node would
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const sockets = new Set<net.Socket>();
    const listener = net.createServer((socket) => {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      injector.injectConnection(socket);
    });
    this.boundPort = await listen(listener, this.boundPort);
    this.server = { grpc: server, listener, sockets };
  }

  async stop(): Promise<void> {
    const running = this.server;
    if (!running) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => running.listener.close(() => resolve()));
    for (const socket of running.sockets) socket.destroy();
    for (const abort of [...this.stopHandlers]) abort();
    this.stopHandlers.clear();
    running.grpc.forceShutdown();
    await closed;
  }

  async close(): Promise<void> {
    await this.stop();
    this.closed = true;
  }

  /** a single-node cluster whose leader is this server */
  private clusterInfo() {
    const endpoint = new gossipPb.EndPoint();
    endpoint.setAddress(HOST);
    endpoint.setPort(this.boundPort);
    const member = new gossipPb.MemberInfo();
    member.setInstanceId(uuidMessage(this.instanceId, false));
    member.setTimeStamp((BigInt(Date.now()) * 10_000n).toString());
    member.setState(gossipPb.MemberInfo.VNodeState.LEADER);
    member.setIsAlive(true);
    member.setHttpEndPoint(endpoint);
    const info = new gossipPb.ClusterInfo();
    info.addMembers(member);
    return info;
  }

  // ---- Streams/Read ------------------------------------------------------------------------

  private read(call: grpc.ServerWritableStream<ReadReq, ReadResp>): void {
    const options = call.request.getOptions();
    if (!options) return void call.emit('error', invalidArgument('ReadReq.options is required'));
    const structuredIds = options.getUuidOption()?.hasStructured() ?? false;
    const forwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.FORWARDS;
    const subscription = options.hasSubscription();
    const count = subscription ? Infinity : Number(BigInt(options.getCount() || '0'));
    const filter = options.hasFilter() ? compileFilter(options.getFilter()!) : undefined;
    const session = new CallSession(call, this.stopHandlers);

    let work: Promise<void>;
    if (options.hasStream()) {
      const streamOptions = options.getStream()!;
      const name = streamNameOf(streamOptions.getStreamIdentifier());
      const from: bigint | 'start' | 'end' = streamOptions.hasRevision()
        ? BigInt(streamOptions.getRevision())
        : streamOptions.hasEnd()
          ? 'end'
          : 'start';
      work = subscription
        ? this.subscribeToStream(session, name, from, structuredIds)
        : this.readStream(session, name, from, forwards, count, structuredIds);
    } else if (options.hasAll()) {
      const allOptions = options.getAll()!;
      const from: bigint | 'start' | 'end' = allOptions.hasPosition()
        ? BigInt(allOptions.getPosition()!.getCommitPosition())
        : allOptions.hasEnd()
          ? 'end'
          : 'start';
      work = subscription
        ? this.subscribeToAll(session, from, filter, structuredIds)
        : this.readAll(session, from, forwards, count, filter, structuredIds);
    } else {
      return void call.emit('error', invalidArgument('ReadReq.options needs stream or all'));
    }
    work.then(
      () => session.finish(),
      (error: unknown) => session.fail(error),
    );
  }

  private async readStream(
    session: CallSession,
    name: string,
    from: bigint | 'start' | 'end',
    forwards: boolean,
    count: number,
    structuredIds: boolean,
  ): Promise<void> {
    const view = this.data.view(name);
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
        if (!(await session.send(eventResponse(this.data.eventAt(name, revision)!, structuredIds)))) return;
      }
    } else {
      let revision = from === 'end' ? view.last : from === 'start' ? 0n : from;
      if (revision > view.last) revision = view.last;
      for (; revision >= view.first && sent < count; revision--, sent++) {
        if (!(await session.send(eventResponse(this.data.eventAt(name, revision)!, structuredIds)))) return;
      }
    }
  }

  private async readAll(
    session: CallSession,
    from: bigint | 'start' | 'end',
    forwards: boolean,
    count: number,
    filter: EventFilter | undefined,
    structuredIds: boolean,
  ): Promise<void> {
    const log = this.data.log;
    let sent = 0;
    if (forwards) {
      // forwards from a position includes the event at that position
      let index = from === 'start' ? 0 : from === 'end' ? log.length : this.data.indexAtOrAfter(from);
      for (; index < log.length && sent < count; index++) {
        const event = log[index]!;
        if (filter && !filter.matches(event)) continue;
        if (!(await session.send(eventResponse(event, structuredIds)))) return;
        sent++;
      }
    } else {
      // backwards from a position returns the events before it
      let index = from === 'end' ? log.length - 1 : from === 'start' ? -1 : this.data.indexAtOrAfter(from) - 1;
      for (; index >= 0 && sent < count; index--) {
        const event = log[index]!;
        if (filter && !filter.matches(event)) continue;
        if (!(await session.send(eventResponse(event, structuredIds)))) return;
        sent++;
      }
    }
  }

  private async subscribeToAll(
    session: CallSession,
    from: bigint | 'start' | 'end',
    filter: EventFilter | undefined,
    structuredIds: boolean,
  ): Promise<void> {
    if (!(await session.send(confirmation()))) return;
    const log = this.data.log;
    // a subscription starts after the position it is given
    let index = from === 'start' ? 0 : from === 'end' ? log.length : this.data.indexAtOrAfter(from + 1n);
    let scannedSinceCheckpoint = 0;
    let lastScanned: StoredEvent | undefined;
    let caughtUp = false;
    while (session.open) {
      while (index < log.length) {
        const event = log[index++]!;
        lastScanned = event;
        if (!filter || filter.matches(event)) {
          if (!(await session.send(eventResponse(event, structuredIds)))) return;
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
      await session.until(this.data.nextAppend());
    }
  }

  private async subscribeToStream(
    session: CallSession,
    name: string,
    from: bigint | 'start' | 'end',
    structuredIds: boolean,
  ): Promise<void> {
    if (this.data.isTombstoned(name)) throw streamDeleted(name);
    if (!(await session.send(confirmation()))) return;
    let revision = from === 'start' ? 0n : from === 'end' ? BigInt(this.data.streamLength(name)) : from + 1n;
    let caughtUp = false;
    while (session.open) {
      if (this.data.isTombstoned(name)) throw streamDeleted(name);
      const view = this.data.view(name);
      if (view.kind === 'events') {
        if (revision < view.first) revision = view.first;
        for (; revision <= view.last; revision++) {
          if (!(await session.send(eventResponse(this.data.eventAt(name, revision)!, structuredIds)))) return;
        }
      } else {
        // nothing readable (soft-deleted or never written): only revisions written later count
        const length = BigInt(this.data.streamLength(name));
        if (length > revision) revision = length;
      }
      if (!caughtUp) {
        caughtUp = true;
        if (!(await session.send(caughtUpResponse()))) return;
        continue;
      }
      await session.until(this.data.nextAppend());
    }
  }

  // ---- Streams/Append ----------------------------------------------------------------------

  private append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>): void {
    let options: ReturnType<AppendReq['getOptions']>;
    const events: ProposedEvent[] = [];
    let size = 0;
    let failed = false;
    const fail = (error: ServiceError) => {
      if (failed) return;
      failed = true;
      callback(error);
    };
    call.on('data', (request: AppendReq) => {
      if (failed) return;
      if (request.hasOptions()) {
        options = request.getOptions();
        return;
      }
      if (!options || !request.hasProposedMessage()) return fail(invalidArgument('AppendReq: options must come first'));
      const proposed = toProposedEvent(request.getProposedMessage()!);
      if (typeof proposed === 'string') return fail(requiredMetadataMissing());
      size += proposed.data.length + proposed.customMetadata.length;
      if (size > this.maxAppendSize) return fail(maximumAppendSizeExceeded(this.maxAppendSize));
      events.push(proposed);
    });
    call.on('end', () => {
      if (failed) return;
      if (!options) return fail(invalidArgument('AppendReq: options are required'));
      const name = streamNameOf(options.getStreamIdentifier());
      const expected = appendExpected(options);
      const outcome = this.data.append(name, expected, events);
      const response = new streamsPb.AppendResp();
      switch (outcome.kind) {
        case 'stream-deleted':
          return fail(streamDeleted(name));
        case 'wrong-expected-version': {
          // recent servers answer a conflict in the response, not as an RPC error
          const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
          if (outcome.current < 0n) wrong.setCurrentNoStream(new sharedPb.Empty());
          else wrong.setCurrentRevision(outcome.current.toString());
          if (expected === 'any') wrong.setExpectedAny(new sharedPb.Empty());
          else if (expected === 'no_stream') wrong.setExpectedNoStream(new sharedPb.Empty());
          else if (expected === 'stream_exists') wrong.setExpectedStreamExists(new sharedPb.Empty());
          else wrong.setExpectedRevision(expected.toString());
          response.setWrongExpectedVersion(wrong);
          return callback(null, response);
        }
        case 'success': {
          const success = new streamsPb.AppendResp.Success();
          if (outcome.current < 0n) success.setNoStream(new sharedPb.Empty());
          else success.setCurrentRevision(outcome.current.toString());
          if (outcome.position === undefined) success.setNoPosition(new sharedPb.Empty());
          else {
            const position = new streamsPb.AppendResp.Position();
            position.setCommitPosition(outcome.position.toString());
            position.setPreparePosition(outcome.position.toString());
            success.setPosition(position);
          }
          response.setSuccess(success);
          return callback(null, response);
        }
      }
    });
    call.on('error', () => {
      failed = true;
    });
  }

  // ---- Streams/BatchAppend -----------------------------------------------------------------

  private batchAppend(call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
    interface PendingBatch {
      readonly correlation: Uuid;
      readonly name: string;
      readonly options: StreamsPb.BatchAppendReq.Options;
      readonly events: ProposedEvent[];
      size: number;
      readonly timer: NodeJS.Timeout | undefined;
    }
    const pending = new Map<string, PendingBatch>();
    const respond = (response: BatchAppendResp) => {
      if (!call.cancelled && !call.writableEnded) call.write(response);
    };
    const errorResponse = (correlation: Uuid, name: string, status: RpcStatus) => {
      const response = new streamsPb.BatchAppendResp();
      response.setCorrelationId(correlation);
      response.setStreamIdentifier(streamIdentifier(name));
      response.setError(status);
      return response;
    };
    const discardAll = () => {
      for (const batch of pending.values()) clearTimeout(batch.timer);
      pending.clear();
    };
    const onStop = () => discardAll();
    this.stopHandlers.add(onStop);

    call.on('data', (request: BatchAppendReq) => {
      const correlation = request.getCorrelationId() ?? new sharedPb.UUID();
      const key = uuidToString(correlation);
      if (request.hasOptions()) {
        const options = request.getOptions()!;
        const name = streamNameOf(options.getStreamIdentifier());
        const deadline = options.hasDeadline() ? options.getDeadline()!.toDate().getTime() : Infinity;
        const remaining = deadline - Date.now();
        if (remaining <= 0) return respond(errorResponse(correlation, name, timeoutStatus()));
        const timer = Number.isFinite(remaining)
          ? setTimeout(() => {
              if (pending.delete(key)) respond(errorResponse(correlation, name, timeoutStatus()));
            }, remaining)
          : undefined;
        timer?.unref();
        pending.set(key, { correlation, name, options, events: [], size: 0, timer });
      }
      const batch = pending.get(key);
      if (!batch) return;
      for (const message of request.getProposedMessagesList()) {
        const proposed = toProposedEvent(message);
        if (typeof proposed === 'string') {
          clearTimeout(batch.timer);
          pending.delete(key);
          return respond(errorResponse(correlation, batch.name, badRequest(proposed)));
        }
        batch.size += proposed.data.length + proposed.customMetadata.length;
        batch.events.push(proposed);
      }
      if (batch.size > this.maxAppendSize) {
        clearTimeout(batch.timer);
        pending.delete(key);
        return respond(errorResponse(correlation, batch.name, maximumAppendSizeStatus(this.maxAppendSize)));
      }
      if (!request.getIsFinal()) return;
      clearTimeout(batch.timer);
      pending.delete(key);
      const expected = batchExpected(batch.options);
      const outcome = this.data.append(batch.name, expected, batch.events);
      respond(batchResponse(batch.correlation, batch.name, batch.options, expected, outcome));
    });
    call.on('end', () => {
      discardAll();
      this.stopHandlers.delete(onStop);
      if (!call.writableEnded) call.end();
    });
    call.on('cancelled', () => {
      discardAll();
      this.stopHandlers.delete(onStop);
    });
    call.on('error', () => {
      discardAll();
      this.stopHandlers.delete(onStop);
    });
  }

  // ---- Streams/Delete, Streams/Tombstone ---------------------------------------------------

  /** soft delete and tombstone share EventStoreDB's checks; only the response type differs */
  private deleteStream(options: StreamsPb.DeleteReq.Options | StreamsPb.TombstoneReq.Options | undefined, hard: boolean): ServiceError | bigint {
    if (!options) return invalidArgument('options are required');
    const name = streamNameOf(options.getStreamIdentifier());
    const expected: Expected = options.hasRevision()
      ? BigInt(options.getRevision())
      : options.hasNoStream()
        ? 'no_stream'
        : options.hasStreamExists()
          ? 'stream_exists'
          : 'any';
    const outcome = this.data.deleteStream(name, expected, hard);
    if (outcome.kind === 'stream-deleted') return streamDeleted(name);
    if (outcome.kind === 'wrong-expected-version') {
      return wrongExpectedVersionError(hard ? 'Tombstone' : 'Delete', name, expected, outcome.current);
    }
    return outcome.position!;
  }

  private softDelete(call: grpc.ServerUnaryCall<DeleteReq, DeleteResp>, callback: grpc.sendUnaryData<DeleteResp>): void {
    const result = this.deleteStream(call.request.getOptions(), false);
    if (typeof result !== 'bigint') return callback(result);
    const position = new streamsPb.DeleteResp.Position();
    position.setCommitPosition(result.toString());
    position.setPreparePosition(result.toString());
    callback(null, new streamsPb.DeleteResp().setPosition(position));
  }

  private tombstone(call: grpc.ServerUnaryCall<TombstoneReq, TombstoneResp>, callback: grpc.sendUnaryData<TombstoneResp>): void {
    const result = this.deleteStream(call.request.getOptions(), true);
    if (typeof result !== 'bigint') return callback(result);
    const position = new streamsPb.TombstoneResp.Position();
    position.setCommitPosition(result.toString());
    position.setPreparePosition(result.toString());
    callback(null, new streamsPb.TombstoneResp().setPosition(position));
  }
}

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

async function listen(listener: net.Server, port: number): Promise<number> {
  // a restarted server's previous listener may take a moment to release the port
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen({ host: HOST, port, exclusive: true }, () => {
          listener.off('error', reject);
          resolve();
        });
      });
      return (listener.address() as net.AddressInfo).port;
    } catch (error) {
      if (port === 0 || attempt >= 50 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
