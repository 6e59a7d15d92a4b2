import { CommandRejectedError, ConcurrencyError, IdempotencyConflictError, LedgerClosedError, UnknownSessionCursorError, ValidationError } from '../../application/errors.js';
import { StoreClosedError, StoreCorruptError, StoreUnavailableError } from '../../application/ports/event-store.js';
import { AuthError } from './auth.js';

/** The service's JSON error shape (README, "The HTTP service"): `{ error: { code, message, fields? } }`. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly fields?: readonly unknown[] };
}

/** An error the service answers with a status of its choosing. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(readonly status: number, readonly code: string, message: string, readonly fields?: readonly unknown[], readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

interface FastifyishError {
  code?: string;
  statusCode?: number;
  validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
  message: string;
}

/** Fastify's own errors (body parsing, schema validation) in our shape. */
function fromFastify(e: FastifyishError): HttpError | undefined {
  if (e.validation) {
    const where = e.validationContext ?? 'request';
    const fields = e.validation.map((v) => {
      const name = (v.params?.['missingProperty'] as string | undefined) ?? (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      return { field: name || where, constraints: { schema: `${name || where} ${v.message ?? 'is invalid'}` } };
    });
    return new HttpError(400, 'invalid_request', `the ${where} is invalid: ${fields.map((f) => f.constraints.schema).join('; ')}`, fields);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new HttpError(413, 'body_too_large', 'the request body is over the size limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new HttpError(415, 'unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return new HttpError(400, 'empty_body', 'the body is empty: send a JSON object (it may be {})');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH': return new HttpError(400, 'bad_content_length', e.message);
    default: break;
  }
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    // fastify's parser gives one error for both: text that does not parse, and keys it refuses (S10.1)
    return new HttpError(400, 'malformed_json', 'the body is not valid JSON, or it has a __proto__ or constructor.prototype key (refused, never copied)');
  }
  if (e.statusCode === 400 && /JSON/i.test(e.message)) {
    return new HttpError(400, 'malformed_json', `the body is not valid JSON: ${e.message}`);
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new HttpError(e.statusCode, 'bad_request', e.message);
  return undefined;
}

/** Any error a route can meet, mapped to a status and the JSON error shape. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ValidationError) {
    return new HttpError(400, 'validation_failed', error.message, error.errors.map((e) => ({ field: e.field, value: e.value, constraints: e.constraints })));
  }
  if (error instanceof AuthError) return new HttpError(401, 'unauthorized', error.message, undefined, { 'www-authenticate': 'Bearer' });
  if (error instanceof UnknownSessionCursorError) return new HttpError(400, 'unknown_cursor', error.message, [{ field: 'lastSessionId', constraints: { inList: error.message } }]);
  if (error instanceof CommandRejectedError) return new HttpError(422, error.code, error.message);
  if (error instanceof ConcurrencyError) return new HttpError(409, 'concurrency', error.message);
  if (error instanceof IdempotencyConflictError) return new HttpError(422, 'idempotency_conflict', error.message);
  if (error instanceof LedgerClosedError || error instanceof StoreClosedError) return new HttpError(503, 'shutting_down', error.message);
  if (error instanceof StoreUnavailableError) return new HttpError(503, 'store_unavailable', error.message);
  if (error instanceof StoreCorruptError) return new HttpError(500, 'store_corrupt', error.message);
  if (error instanceof Error) {
    const mapped = fromFastify(error as FastifyishError);
    if (mapped) return mapped;
  }
  return new HttpError(500, 'internal', 'the server failed to answer; the error is in its log');
}

export function errorBody(e: HttpError): ErrorBody {
  return { error: { code: e.code, message: e.message, ...(e.fields && { fields: e.fields }) } };
}
