import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as C from '../../application/write/commands/index.js';
import { CommandRejectedError, ValidationError } from '../../application/errors.js';
import type { Principal } from './auth.js';
import { HttpError } from './errors.js';
import { addRoute } from './openapi.js';
import { correlationIdOf, principalOf } from './request-context.js';
import { commandBodySchema, commandFields, commandParams, responses } from './schemas.js';
import type { ServiceContext } from './service-context.js';
import { inSpan } from './tracing.js';

type CommandClass = new (init: any) => C.ReceiveMessage | C.SendMessage | C.SyncMessages | C.SetCurrentSession | C.ResetSessionUnread
  | C.ResetAllSessionUnread | C.ResetCurrentSession | C.InsertLocalSession | C.UpdateLocalSession | C.DeleteLocalSession
  | C.DeleteSession | C.DeleteSessions | C.SendMsgReceipt | C.RegisterDevice;

/** Every command the bus takes, by the name in its URL. */
export const COMMANDS: Record<string, CommandClass> = {
  ReceiveMessage: C.ReceiveMessage, SendMessage: C.SendMessage, SyncMessages: C.SyncMessages,
  SetCurrentSession: C.SetCurrentSession, ResetSessionUnread: C.ResetSessionUnread, ResetAllSessionUnread: C.ResetAllSessionUnread,
  ResetCurrentSession: C.ResetCurrentSession, InsertLocalSession: C.InsertLocalSession, UpdateLocalSession: C.UpdateLocalSession,
  DeleteLocalSession: C.DeleteLocalSession, DeleteSession: C.DeleteSession, DeleteSessions: C.DeleteSessions,
  SendMsgReceipt: C.SendMsgReceipt, RegisterDevice: C.RegisterDevice,
};

const IDEMPOTENCY_KEY = /^[\w.:\-]{1,200}$/;

/** The account and device come from the token; an admin names them in the body. */
function actingAs(p: Principal, body: Record<string, unknown>): { account: unknown; device: unknown } {
  if (p.admin) return { account: body['account'] ?? p.sub, device: body['device'] ?? p.device };
  // S10.1: null means absent, as everywhere else
  if (body['account'] != null && body['account'] !== p.sub) throw new HttpError(403, 'forbidden', `this token acts for ${p.sub}, not ${JSON.stringify(body['account'])}`);
  if (body['device'] != null && body['device'] !== p.device) throw new HttpError(403, 'forbidden', `this token acts as device ${p.device}, not ${JSON.stringify(body['device'])}`);
  return { account: p.sub, device: p.device };
}

function bodyOf(req: FastifyRequest): Record<string, unknown> {
  // No body at all is {} (curl -X POST); a JSON null, number, string or array is not an object.
  const body = req.body === undefined ? {} : req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid_body', 'the body must be a JSON object of the command\'s fields');
  return body as Record<string, unknown>;
}

function idempotencyKey(req: FastifyRequest): string | undefined {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    throw new HttpError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 200 letters, digits or . _ : -', [{ field: 'Idempotency-Key', constraints: { pattern: 'Idempotency-Key must be 1 to 200 letters, digits or . _ : -' } }]);
  }
  return key;
}

function outcomeOf(error: unknown): string {
  if (error instanceof ValidationError) return 'invalid';
  if (error instanceof HttpError) return error.status === 403 ? 'forbidden' : 'invalid';
  return error instanceof CommandRejectedError ? 'rejected' : 'error';
}

/** POST /v1/commands/<CommandName>: validated by the bus, answered once the read models reflect it. */
export function commandRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const run = async (name: string, req: FastifyRequest) => {
    const Command = COMMANDS[name]!;
    const timer = ctx.metrics.commandSeconds.startTimer({ command: name });
    let outcome = 'ok';
    try {
      const principal = principalOf(req, ctx.secret);
      const body = bodyOf(req);
      const commandId = idempotencyKey(req);
      const command = new Command({ ...body, ...actingAs(principal, body) });
      const correlationId = correlationIdOf(req);
      const result = await inSpan(`ledger.dispatch ${name}`, { 'ledger.command': name, 'ledger.correlation_id': correlationId }, () =>
        ctx.ledger.commands.dispatch(command, { correlationId, ...(commandId !== undefined && { commandId }) }));
      return { result: result ?? null, position: ctx.ledger.position() };
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      timer({ outcome });
      ctx.metrics.commands.inc({ command: name, outcome });
    }
  };
  for (const name of Object.keys(COMMANDS)) {
    addRoute(app, ctx.docs, {
      method: 'POST', url: `/v1/commands/${name}`, summary: commandFields[name]!.summary,
      documentedBody: commandBodySchema(name), response: responses.command,
      handler: (req) => run(name, req),
    });
  }
  app.route({
    method: 'POST', url: '/v1/commands/:command', schema: { params: commandParams },
    handler: async (req) => {
      const { command } = req.params as { command: string };
      throw new HttpError(404, 'unknown_command', `there is no command ${command}; the commands are ${Object.keys(COMMANDS).join(', ')}`);
    },
  });
}
