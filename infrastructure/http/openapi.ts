import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { inRequest } from './request-context.js';
import { responses } from './schemas.js';

export interface RouteDef {
  readonly method: HTTPMethods;
  readonly url: string;
  readonly summary: string;
  /** false for the public routes (health, docs, the inbox) */
  readonly auth?: boolean;
  readonly schema?: { params?: object; querystring?: object; body?: object };
  /** the 200 response's schema, for the document only */
  readonly response?: object;
  /** the body's documented schema when fastify should not validate it */
  readonly documentedBody?: object;
  readonly handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** Registers a route and remembers it for /openapi.json; the handler runs inside the request's span. */
export function addRoute(app: FastifyInstance, docs: RouteDef[], def: RouteDef): void {
  docs.push(def);
  app.route({ method: def.method, url: def.url, ...(def.schema && { schema: def.schema }), handler: (req, reply) => inRequest(req, () => def.handler(req, reply)) });
}

const toOpenApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

function parameters(schema: { params?: object; querystring?: object } | undefined): object[] {
  const out: object[] = [];
  for (const [where, s] of [['path', schema?.params], ['query', schema?.querystring]] as const) {
    const obj = s as { properties?: Record<string, object>; required?: string[] } | undefined;
    for (const [name, prop] of Object.entries(obj?.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (obj?.required ?? []).includes(name), schema: prop });
    }
  }
  return out;
}

/** OpenAPI 3.1 from the registered routes' own schemas. */
export function openApiDocument(docs: readonly RouteDef[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const d of docs) {
    const body = d.documentedBody ?? d.schema?.body;
    const op = {
      summary: d.summary,
      parameters: parameters(d.schema),
      ...(body && { requestBody: { required: true, content: { 'application/json': { schema: body } } } }),
      ...(d.auth !== false && { security: [{ bearer: [] }] }),
      responses: {
        200: { description: 'OK', ...(d.response && { content: { 'application/json': { schema: d.response } } }) },
        ...(d.auth !== false && { 401: { description: 'no or bad token', content: { 'application/json': { schema: responses.error } } } }),
        default: { description: 'an error', content: { 'application/json': { schema: responses.error } } },
      },
    };
    (paths[toOpenApiPath(d.url)] ??= {})[d.method.toString().toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'session-ledger', version, description: 'Recent sessions (NetEase NIM semantics) as an event-sourced service. Every response that reads or changes the ledger carries `position`.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (HS256): sub, device, admin' } } },
    paths,
  };
}
