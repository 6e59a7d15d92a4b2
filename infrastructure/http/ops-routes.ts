import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { addRoute, openApiDocument } from './openapi.js';
import type { ServiceContext } from './service-context.js';

const web = (file: string) => new URL(`../../../infrastructure/http/web/${file}`, import.meta.url);
const compiled = (file: string) => new URL(`./web/${file}`, import.meta.url);

/** The inbox loads only its own script and style, and talks only to this origin. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The inbox's files, read once: index.html and inbox.css from the source tree, inbox.js as compiled. */
function inboxAssets(): Record<string, { type: string; body: string }> {
  return {
    '/': { type: 'text/html; charset=utf-8', body: readFileSync(web('index.html'), 'utf8') },
    '/inbox.css': { type: 'text/css; charset=utf-8', body: readFileSync(web('inbox.css'), 'utf8') },
    '/inbox.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(compiled('inbox.js'), 'utf8') },
  };
}

/** Health, readiness, metrics, the OpenAPI document and the web inbox: no token needed. */
export function opsRoutes(app: FastifyInstance, ctx: ServiceContext, state: { ready: () => boolean; version: string }): void {
  addRoute(app, ctx.docs, { method: 'GET', url: '/healthz', summary: 'the process answers', auth: false, handler: async () => ({ status: 'ok' }) });
  addRoute(app, ctx.docs, {
    method: 'GET', url: '/readyz', summary: 'the ledger is open and its read models caught up (503 while starting or stopping)', auth: false,
    handler: async (_req, reply) => {
      if (!state.ready() || ctx.ledger.closed) return reply.code(503).send({ error: { code: 'not_ready', message: 'the service is starting or stopping' } });
      return { status: 'ready', position: ctx.ledger.position() };
    },
  });
  addRoute(app, ctx.docs, {
    method: 'GET', url: '/metrics', summary: 'Prometheus metrics', auth: false,
    handler: async (_req, reply) => reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
  });
  // the routes are all added before the service listens: the document is built once, on first request
  let doc: object | undefined;
  addRoute(app, ctx.docs, { method: 'GET', url: '/openapi.json', summary: 'this document', auth: false, handler: async () => (doc ??= openApiDocument(ctx.docs, state.version)) });
  const assets = inboxAssets();
  for (const [url, asset] of Object.entries(assets)) {
    addRoute(app, ctx.docs, {
      method: 'GET', url, summary: url === '/' ? 'the web inbox' : `the web inbox's ${url.slice(1)}`, auth: false,
      handler: async (_req, reply) => reply.type(asset.type).headers({ 'cache-control': 'no-cache', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' }).send(asset.body),
    });
  }
}
