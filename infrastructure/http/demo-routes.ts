import type { FastifyInstance } from 'fastify';
import { demoTokens } from './auth.js';
import { DEMO_VIEWS, type DemoTraffic } from './demo-traffic.js';
import { HttpError } from './errors.js';
import { addRoute } from './openapi.js';
import { principalOf } from './request-context.js';
import type { ServiceContext } from './service-context.js';

/** The inbox's demo helpers: tokens (development secret only) and simulated traffic. */
export function demoRoutes(app: FastifyInstance, ctx: ServiceContext, traffic: DemoTraffic, development: boolean): void {
  addRoute(app, ctx.docs, {
    method: 'GET', url: '/v1/demo/tokens', summary: 'demo tokens (only while the server runs on its development secret)', auth: false,
    handler: async () => {
      if (!development) throw new HttpError(404, 'not_found', 'demo tokens are offered only when LEDGER_AUTH_SECRET is unset');
      return { tokens: demoTokens(ctx.secret, DEMO_VIEWS) };
    },
  });
  let running: Promise<number> | undefined;
  addRoute(app, ctx.docs, {
    method: 'POST', url: '/v1/demo/simulate', summary: 'run some demo traffic (any valid token)',
    schema: { body: { type: 'object', additionalProperties: false, properties: { messages: { type: 'integer', minimum: 1, maximum: 500 } } } },
    handler: async (req) => {
      principalOf(req, ctx.secret);
      if (running) throw new HttpError(409, 'busy', 'a simulation is running; try again when it ends');
      const { messages = 20 } = (req.body ?? {}) as { messages?: number };
      running = traffic.run(messages);
      try {
        return { commands: await running, position: ctx.ledger.position() };
      } finally {
        running = undefined;
      }
    },
  });
}
