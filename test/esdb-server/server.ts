/**
 * A wire-compatible EventStoreDB test server: the client package's own gRPC service definitions
 * served by @grpc/grpc-js on 127.0.0.1, insecure (`esdb://127.0.0.1:PORT?tls=false`), with the
 * data in an EsdbData object that survives stop() and start() on the same port.
 *
 * It implements what the EventStoreDB store adapter uses, one file per RPC family:
 * features.ts (ServerFeatures/GetSupportedMethods, and Gossip/Read with one live leader, itself,
 * so `esdb+discover://` works too), append.ts (Streams/Append, Streams/BatchAppend), read.ts
 * (Streams/Read of streams and `$all`, and filtered catch-up subscriptions to `$all`), delete.ts
 * (Streams/Delete, Streams/Tombstone); esdb-data.ts holds the streams they share.
 */
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import * as net from 'node:net';
import { append, batchAppend } from './append.js';
import { softDelete, tombstone } from './delete.js';
import { EsdbData } from './esdb-data.js';
import { clusterInfo, supportedMethods } from './features.js';
import { gossipGrpc, serverFeaturesGrpc, streamsGrpc } from './protocol.js';
import { read } from './read.js';
import type { RpcContext } from './rpc-context.js';

/** EventStoreDB's largest log record: what its gRPC endpoints accept before its own limits apply. */
const MAX_GRPC_MESSAGE = 16 * 1024 * 1024;

export { EsdbData } from './esdb-data.js';

export interface TestServerOptions {
  /** 0 or absent: an ephemeral port, kept for every later start() */
  readonly port?: number;
  /** the storage; pass the same object to a new server to keep the data */
  readonly data?: EsdbData;
  /** EventStoreDB's default maximum append size is 1 MiB */
  readonly maxAppendSize?: number;
  /** KurrentDB's MaxAppendEventSize; default none (its default, int.MaxValue) */
  readonly maxAppendEventSize?: number;
}

export interface TestServer {
  /** `esdb://127.0.0.1:PORT?tls=false` */
  readonly url: string;
  readonly port: number;
  readonly data: EsdbData;
  readonly running: boolean;
  /** how many calls each RPC received, e.g. to see which append RPC the client chose */
  readonly calls: Readonly<Record<RpcName, number>>;
  /** how many recorded events reads and subscriptions have sent to clients so far */
  readonly eventsSent: number;
  /** how many appends it refused for their size (maximum append size or event size exceeded) */
  readonly refusedAppends: number;
  /** drops every connection at once, like a crashed node; the data stays */
  stop(): Promise<void>;
  /** listens again on the same port */
  start(): Promise<void>;
  /** stops for good */
  close(): Promise<void>;
}

export type RpcName = 'getSupportedMethods' | 'gossip' | 'read' | 'append' | 'batchAppend' | 'delete' | 'tombstone';

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const limits = { maxAppendSize: options.maxAppendSize ?? 1024 * 1024, maxAppendEventSize: options.maxAppendEventSize ?? Infinity };
  const server = new EsdbTestServer(options.data ?? new EsdbData(), options.port ?? 0, limits);
  await server.start();
  return server;
}

const HOST = '127.0.0.1';

class EsdbTestServer implements TestServer {
  private server: { readonly grpc: grpc.Server; readonly listener: net.Server; readonly sockets: Set<net.Socket> } | undefined;
  private closed = false;
  private readonly instanceId = randomUUID();
  readonly calls: Record<RpcName, number> = { getSupportedMethods: 0, gossip: 0, read: 0, append: 0, batchAppend: 0, delete: 0, tombstone: 0 };
  private readonly context: RpcContext;

  constructor(
    readonly data: EsdbData,
    private boundPort: number,
    limits: { readonly maxAppendSize: number; readonly maxAppendEventSize: number },
  ) {
    // stopHandlers abort every running subscription and pending batch when the server stops
    this.context = { data, ...limits, stopHandlers: new Set(), sent: { events: 0 }, refused: { appends: 0 } };
  }

  get eventsSent(): number {
    return this.context.sent.events;
  }

  get refusedAppends(): number {
    return this.context.refused.appends;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `esdb://${HOST}:${this.boundPort}?tls=false`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Counts each call, then hands it to its RPC family with the shared context. */
  private rpc<A extends unknown[]>(name: RpcName, handler: (context: RpcContext, ...args: A) => void): (...args: A) => void {
    return (...args) => {
      this.calls[name]++;
      handler(this.context, ...args);
    };
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('the test server was closed; start a new one with the same data');
    if (this.server) return;
    // EventStoreDB takes gRPC messages up to its largest log record (about 16 MiB) and refuses an
    // oversized append itself, with MaximumAppendSizeExceeded; gRPC's 4 MB default would instead cut
    // the connection (RESOURCE_EXHAUSTED), which a client cannot tell from an outage.
    const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_GRPC_MESSAGE });
    server.addService(serverFeaturesGrpc.ServerFeaturesService, {
      getSupportedMethods: this.rpc('getSupportedMethods', (_context, _call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, supportedMethods())),
    });
    server.addService(gossipGrpc.GossipService, {
      read: this.rpc('gossip', (_context, _call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, clusterInfo(HOST, this.boundPort, this.instanceId))),
    });
    server.addService(streamsGrpc.StreamsService, {
      read: this.rpc('read', read),
      append: this.rpc('append', append),
      batchAppend: this.rpc('batchAppend', batchAppend),
      delete: this.rpc('delete', softDelete),
      tombstone: this.rpc('tombstone', tombstone),
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
    for (const abort of [...this.context.stopHandlers]) abort();
    this.context.stopHandlers.clear();
    running.grpc.forceShutdown();
    await closed;
  }

  async close(): Promise<void> {
    await this.stop();
    this.closed = true;
  }
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
