import { context, trace, SpanKind, type Span } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, verifyToken, type Principal } from './auth.js';
import { HttpError } from './errors.js';
import { tracer } from './tracing.js';

/** What the service keeps per request: its span, correlation id and bearer token. */
interface RequestState {
  readonly span: Span;
  readonly correlationId: string;
  readonly started: number;
}

const states = new WeakMap<FastifyRequest, RequestState>();
const CORRELATION = /^[\w.:\-]{1,128}$/;

export function beginRequest(req: FastifyRequest, reply: FastifyReply): void {
  const given = req.headers['x-correlation-id'];
  const correlationId = typeof given === 'string' && CORRELATION.test(given) ? given : req.id;
  const span = tracer.startSpan(`HTTP ${req.method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.url.split('?')[0]!, 'ledger.correlation_id': correlationId } });
  states.set(req, { span, correlationId, started: performance.now() });
  reply.header('x-correlation-id', correlationId);
}

/** Ends the request's span; returns the seconds the request took. */
export function endRequest(req: FastifyRequest, status: number, route: string): number {
  const state = states.get(req);
  if (!state) return 0;
  state.span.updateName(`HTTP ${req.method} ${route}`);
  state.span.setAttribute('http.route', route);
  state.span.setAttribute('http.response.status_code', status);
  state.span.end();
  states.delete(req);
  return (performance.now() - state.started) / 1000;
}

export function correlationIdOf(req: FastifyRequest): string {
  return states.get(req)?.correlationId ?? req.id;
}

/** Runs `work` with the request's span active, so the spans it starts are its children. */
export function inRequest<T>(req: FastifyRequest, work: () => Promise<T>): Promise<T> {
  const state = states.get(req);
  return state ? context.with(trace.setSpan(context.active(), state.span), work) : work();
}

/** The bearer token: the Authorization header, or `access_token` where EventSource cannot set one. */
export function bearerOf(req: FastifyRequest, allowQuery = false): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AuthError('the Authorization header must be "Bearer <token>"');
    return match[1];
  }
  const query = (req.query ?? {}) as Record<string, unknown>;
  if (allowQuery && typeof query['access_token'] === 'string') return query['access_token'];
  return undefined;
}

export function principalOf(req: FastifyRequest, secret: string, allowQuery = false): Principal {
  const token = bearerOf(req, allowQuery);
  if (!token) throw new AuthError('send "Authorization: Bearer <token>" (a JWT naming the account in `sub`)');
  return verifyToken(secret, token);
}

/** A token acts only for its own account, unless it is an admin's. */
export function assertAccount(p: Principal, account: string): void {
  if (!p.admin && p.sub !== account) throw new HttpError(403, 'forbidden', `this token acts for ${p.sub}, not ${account}`);
}

/** The device a read is about: `?device=`, else the token's own device for its own account. */
export function deviceFor(p: Principal, account: string, device: string | undefined): string {
  return device ?? (p.sub === account ? p.device : 'default');
}
