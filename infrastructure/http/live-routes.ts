import type { FastifyInstance } from 'fastify';
import { LedgerClosedError } from '../../application/errors.js';
import { HttpError } from './errors.js';
import { addRoute } from './openapi.js';
import { assertAccount, deviceFor, principalOf } from './request-context.js';
import { accountParams, liveQuery } from './schemas.js';
import type { ServiceContext } from './service-context.js';

/** GET /v1/accounts/:account/live: Server-Sent Events for one device view. */
export function liveRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  addRoute(app, ctx.docs, {
    method: 'GET', url: '/v1/accounts/:account/live',
    summary: 'Server-Sent Events: `sessions` first (or what was missed since Last-Event-ID), then `session` per change and `removed` per deleted session, each with `total` (the changes of one position share its id, on their last event); `refetch` when the position cannot be served',
    schema: { params: accountParams, querystring: liveQuery },
    handler: async (req, reply) => {
      const principal = principalOf(req, ctx.secret, true);
      const { account } = req.params as { account: string };
      assertAccount(principal, account);
      const { device: asked, access_token: _token, ...mode } = req.query as { device?: string; access_token?: string; db?: boolean; syncSessionUnread?: boolean; autoMarkRead?: boolean };
      const device = deviceFor(principal, account, asked);
      // HEAD (fastify adds it to every GET) gets the stream's headers, not a stream that never ends.
      if (req.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').header('cache-control', 'no-cache, no-transform').send();
      const header = req.headers['last-event-id'];
      const lastEventId = typeof header === 'string' ? header : undefined;
      if (ctx.ledger.closed) throw new LedgerClosedError(); // answered 503 before the stream starts
      if (!ctx.live.admit(account, reply.raw)) throw new HttpError(429, 'too_many_connections', `${account} holds as many live connections as it may; close one first`);
      reply.hijack();
      // fastify runs no onResponse for a hijacked reply: the connection's end is the request's end.
      reply.raw.once('close', () => ctx.finishRequest(req, reply.raw.statusCode));
      ctx.logger.debug('live connection', { account, device, lastEventId });
      // Opening a view records its options (S4): the ones not asked for stay as the device has them.
      const registered = ctx.ledger.reader.deviceMode(account, device)?.options;
      await ctx.live.connect(reply.raw, { account, device, ...registered, ...mode }, lastEventId).catch((error) => {
        ctx.logger.warn('live connection failed', { account, device, error: String(error) });
        reply.raw.destroy();
      });
    },
  });
}
