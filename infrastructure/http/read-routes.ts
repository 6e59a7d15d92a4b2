import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GetLocalSession, GetLocalSessions, GetLocalSessionsByMsgType, GetTotalUnread } from '../../application/queries/session-queries.js';
import { HttpError } from './errors.js';
import { addRoute } from './openapi.js';
import { assertAccount, deviceFor, principalOf } from './request-context.js';
import { accountParams, byTypeQuery, deviceQuery, historyQuery, listQuery, responses, sessionParams, sessionsAtQuery } from './schemas.js';
import type { ServiceContext } from './service-context.js';

interface ReadQuery {
  device?: string;
  minPosition?: string;
  limit?: number;
  lastSessionId?: string;
  reverse?: boolean;
  exclude?: string;
  at?: number;
}

/** Who reads which view, after the read models reached `minPosition` (read-your-writes, else 409). */
async function readContext(ctx: ServiceContext, req: FastifyRequest) {
  const principal = principalOf(req, ctx.secret);
  const { account, sessionId } = req.params as { account: string; sessionId?: string };
  assertAccount(principal, account);
  const q = req.query as ReadQuery;
  if (q.minPosition !== undefined && !(await ctx.ledger.waitForPosition(q.minPosition, { timeoutMs: ctx.minPositionWaitMs }))) {
    throw new HttpError(409, 'position_not_reached', `the read models are at ${ctx.ledger.position()}, not yet at minPosition ${q.minPosition}; retry shortly`);
  }
  const device = deviceFor(principal, account, q.device);
  // Read before any await of the query, so it reflects exactly this position.
  return { account, device, sessionId: sessionId!, q, position: ctx.ledger.position(), base: { account, device } };
}

/** The device-view queries and the audit reads; each answer carries the position it reflects. */
export function readRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const read = (def: { url: string; summary: string; params: object; query: object; response?: object; answer: (r: Awaited<ReturnType<typeof readContext>>) => Promise<object> }) =>
    addRoute(app, ctx.docs, {
      method: 'GET', url: def.url, summary: def.summary, schema: { params: def.params, querystring: def.query }, ...(def.response && { response: def.response }),
      handler: async (req) => {
        const r = await readContext(ctx, req);
        return { ...(await def.answer(r)), position: r.position };
      },
    });

  read({
    url: '/v1/accounts/:account/sessions', summary: 'S6.1 a device view\'s sessions, most recent first', params: accountParams, query: listQuery, response: responses.sessions,
    answer: ({ base, q }) => ctx.ledger.queries.execute(new GetLocalSessions({
      ...base, ...(q.limit !== undefined && { limit: q.limit }), ...(q.lastSessionId !== undefined && { lastSessionId: q.lastSessionId }), ...(q.reverse !== undefined && { reverse: q.reverse }),
    })),
  });
  read({
    url: '/v1/accounts/:account/sessions/:sessionId', summary: 'S6.2 one session (404 when the view has none)', params: sessionParams, query: deviceQuery, response: responses.session,
    answer: async ({ base, sessionId }) => {
      const session = await ctx.ledger.queries.execute(new GetLocalSession({ ...base, sessionId }));
      if (!session) throw new HttpError(404, 'no_session', `${base.account} has no session ${sessionId} on device ${base.device}`);
      return { session };
    },
  });
  read({
    url: '/v1/accounts/:account/sessions-by-type', summary: 'S6.3 sessions by their last message of a type not excluded', params: accountParams, query: byTypeQuery, response: responses.sessions,
    answer: ({ base, q }) => ctx.ledger.queries.execute(new GetLocalSessionsByMsgType({
      ...base, exclude: (q.exclude ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      ...(q.limit !== undefined && { limit: q.limit }), ...(q.lastSessionId !== undefined && { lastSessionId: q.lastSessionId }),
    })),
  });
  read({
    url: '/v1/accounts/:account/unread', summary: 'S4.7 the view\'s total unread', params: accountParams, query: deviceQuery, response: responses.unread,
    answer: async ({ base }) => ({ total: await ctx.ledger.queries.execute(new GetTotalUnread(base)) }),
  });
  read({
    url: '/v1/accounts/:account/sessions/:sessionId/history', summary: 'S10.3 the session\'s events with their metadata, oldest first', params: sessionParams, query: historyQuery, response: responses.history,
    answer: async ({ account, sessionId }) => ({ events: await ctx.ledger.history({ account, sessionId }) }),
  });
  read({
    url: '/v1/accounts/:account/sessions/:sessionId/timeline', summary: 'the session\'s events with the device\'s unread after each', params: sessionParams, query: deviceQuery, response: responses.timeline,
    answer: async ({ account, device, sessionId }) => ({ entries: await ctx.ledger.timeline({ account, sessionId, device }) }),
  });
  read({
    url: '/v1/accounts/:account/sessions-at', summary: 'S10.3 the view\'s list as it was at ledger time `at`', params: accountParams, query: sessionsAtQuery, response: responses.sessions,
    answer: async ({ account, device, q }) => ({ sessions: await ctx.ledger.sessionsAt({ account, device, at: q.at! }) }),
  });
}
