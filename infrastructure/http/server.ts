import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Ledger } from '../../application/api/ledger.js';
import { checkReadModelsFor, openLedgerOn, openStore } from '../create-ledger.js';
import type { AuthSettings } from './auth.js';
import { commandRoutes } from './command-routes.js';
import { demoRoutes } from './demo-routes.js';
import type { DemoTraffic } from './demo-traffic.js';
import { errorBody, HttpError, toHttpError } from './errors.js';
import { LiveFeeds, type LiveOptions } from './live-feed.js';
import { liveRoutes } from './live-routes.js';
import { jsonLogger, type Logger } from './logger.js';
import { PACKAGE_VERSION } from '../version.js';
import { ServiceMetrics } from './metrics.js';
import { opsRoutes } from './ops-routes.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimit } from './rate-limit.js';
import { readRoutes } from './read-routes.js';
import { beginRequest, bearerOf, correlationIdOf, endRequest } from './request-context.js';
import type { ServiceContext } from './service-context.js';
import { ObservedEventStore } from './tracing.js';

export interface ServiceOptions {
  readonly ledger: Ledger;
  /** the traced store under `ledger` (see openServiceLedger): the projection lag comes from it */
  readonly store?: ObservedEventStore;
  readonly auth: AuthSettings;
  readonly logger?: Logger;
  /** bytes; default 1 MiB */
  readonly bodyLimit?: number;
  /** per bearer token; false: none */
  readonly rateLimit?: RateLimit | false;
  /** how long a read waits for its minPosition (default 2000 ms) */
  readonly minPositionWaitMs?: number;
  readonly live?: LiveOptions;
  /** enables /v1/demo/* (the inbox's simulate control) */
  readonly demo?: DemoTraffic;
  /** process metrics in /metrics (default true) */
  readonly defaultMetrics?: boolean;
}

export interface Service {
  readonly app: FastifyInstance;
  readonly live: LiveFeeds;
  readonly metrics: ServiceMetrics;
  /** resolves with the base URL, e.g. http://127.0.0.1:8080 */
  listen(port: number, host?: string): Promise<string>;
  /** stops taking requests, ends live connections, waits for requests under way (not the ledger) */
  close(): Promise<void>;
}

const version = PACKAGE_VERSION;

/**
 * A ledger on `storeUrl` whose appends and projection are traced (OpenTelemetry) and measured;
 * `readModels` as createLedger takes it (an EventStoreDB store's read models in PostgreSQL or sqlite).
 */
export async function openServiceLedger(storeUrl: string, clock: () => number = Date.now, logger?: Logger, readModels?: string): Promise<{ ledger: Ledger; store: ObservedEventStore }> {
  if (readModels !== undefined) checkReadModelsFor(storeUrl, readModels);
  const opened = await openStore(storeUrl);
  const store = new ObservedEventStore(opened);
  const ledger = await openLedgerOn(store, opened, { clock, ...(logger && { logger }), ...(readModels !== undefined && { readModels }) });
  return { ledger, store };
}

/** A connection's request could not be parsed: answer in the JSON error shape, then close it. */
function clientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) return void socket.destroy();
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const [status, reason, code, text] = tooLarge
    ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'the request headers are over the size limit']
    : [400, 'Bad Request', 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify(errorBody(new HttpError(status, code, text)));
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * Whether every name and value of a query string decodes as percent-encoded UTF-8: the router
 * refuses a bad path, but the query parser keeps bad escapes as they are (`%ED%A0%80` would name a
 * device of that literal text).
 */
function wellEncoded(query: string): boolean {
  if (!query.includes('%')) return true;
  try {
    for (const part of query.split('&')) decodeURIComponent(part.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}

/** The HTTP service over a ledger (README, "The HTTP service"); it keeps nothing that must survive it. */
export async function createService(options: ServiceOptions): Promise<Service> {
  const logger = options.logger ?? jsonLogger();
  const { ledger } = options;
  const observed = options.store;
  const metrics = new ServiceMetrics(
    { position: () => BigInt(ledger.position()), lastAppended: () => observed?.lastAppended ?? -1n },
    { defaultMetrics: options.defaultMetrics ?? true },
  );
  if (observed) observed.onDelivered = (seconds) => metrics.projectionLagSeconds.observe(seconds);
  const live = new LiveFeeds(ledger, options.live, (delta) => metrics.liveConnections.inc(delta));
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1 << 20, genReqId: () => randomUUID(), onProtoPoisoning: 'error', onConstructorPoisoning: 'error',
    // The router's own refusals (a path that is not valid percent-encoding) and node's (headers
    // over its limit) in the JSON error shape too.
    frameworkErrors: (error, _req, reply) => void (reply as unknown as FastifyReply).code(400).send(errorBody(new HttpError(400, 'bad_url', `the request path is not valid percent-encoded UTF-8: ${error.message}`))),
    clientErrorHandler: clientError });
  /** The request's span, metrics and log line; a hijacked reply (live) calls it when its connection ends. */
  const finishRequest = (req: FastifyRequest, status: number) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const correlationId = correlationIdOf(req);
    const seconds = endRequest(req, status, route);
    metrics.requests.inc({ method: req.method, route, status: String(status) });
    metrics.requestSeconds.observe({ method: req.method, route }, seconds);
    logger.info('request', { method: req.method, route, url: req.url.split('?')[0], status, ms: Math.round(seconds * 1000 * 10) / 10, reqId: req.id, correlationId });
  };
  const ctx: ServiceContext = { ledger, secret: options.auth.secret, metrics, live, logger, docs: [], minPositionWaitMs: options.minPositionWaitMs ?? 2000, finishRequest };
  let ready = false;
  // Commands and reads speak JSON only: a text/plain body is a 415, not a string.
  app.removeContentTypeParser('text/plain');

  const limiter = options.rateLimit === false ? undefined : new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  app.addHook('onRequest', async (req, reply) => {
    beginRequest(req, reply);
    const query = req.url.indexOf('?');
    if (query >= 0 && !wellEncoded(req.url.slice(query + 1))) throw new HttpError(400, 'bad_url', 'the query string is not valid percent-encoded UTF-8');
    const token = limiter && (() => { try { return bearerOf(req, true); } catch { return undefined; } })();
    const wait = token ? limiter!.take(token) : 0;
    if (token) reply.headers({ 'ratelimit-limit': String(limiter!.burst), 'ratelimit-remaining': String(limiter!.remaining(token)) });
    if (wait > 0) throw new HttpError(429, 'rate_limited', `this token made too many requests; retry in ${wait} s`, undefined, { 'retry-after': String(wait) });
  });
  app.addHook('onResponse', async (req, reply) => finishRequest(req, reply.statusCode));
  app.setErrorHandler(async (error, req, reply) => {
    const e = toHttpError(error);
    if (e.status >= 500) logger.error('request failed', { reqId: req.id, url: req.url.split('?')[0], error: error instanceof Error ? error.stack ?? error.message : String(error) });
    return reply.code(e.status).headers(e.headers).send(errorBody(e));
  });
  app.setNotFoundHandler(async (req, reply) =>
    reply.code(404).send(errorBody(new HttpError(404, 'not_found', `there is no route ${req.method} ${req.url.split('?')[0]}; see /openapi.json`))));

  commandRoutes(app, ctx);
  readRoutes(app, ctx);
  liveRoutes(app, ctx);
  opsRoutes(app, ctx, { ready: () => ready, version });
  if (options.demo) demoRoutes(app, ctx, options.demo, options.auth.development);
  await app.ready();
  ready = true;

  return {
    app, live, metrics,
    async listen(port, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${shown}:${address.port}`;
    },
    async close() {
      ready = false;
      live.close();
      await app.close();
    },
  };
}
