import { StoreUnavailableError } from '../../../application/ports/event-store.js';

/** SQLSTATE classes and codes that mean "the server could not be reached or went away", not "no" */
const TRANSIENT_CLASSES = ['08']; // connection exception
const TRANSIENT_CODES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/** Whether an error from `pg` is about the connection (retry later) rather than an answer. */
export function isTransientFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  // already translated (by the store's guard): whatever the server said, it was connection trouble
  if (error instanceof StoreUnavailableError) return true;
  const code = String((error as { code?: unknown }).code ?? '');
  if (SOCKET_CODES.has(code) || TRANSIENT_CODES.has(code) || TRANSIENT_CLASSES.some((prefix) => code.startsWith(prefix) && code.length === 5)) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|Query read timeout|timeout exceeded when trying to connect|timeout expired/i.test(message);
}

/**
 * What a write that failed on connection trouble did: `none` (nothing reached a commit), or
 * `unknown` (the COMMIT was sent, and the connection was lost before its answer came back).
 */
export type WriteOutcome = { readonly kind: 'none' } | { readonly kind: 'unknown'; readonly retry: string };

/** Connection trouble becomes StoreUnavailableError naming the server, the operation and, for a write, its outcome; the rest passes. */
export function translatePgError(error: unknown, context: { endpoint: string; operation: string; outcome?: WriteOutcome }): unknown {
  if (error instanceof StoreUnavailableError || !isTransientFailure(error)) return error;
  const detail = error instanceof Error ? error.message.split('\n')[0]!.trim() : String(error);
  const outcome = context.outcome;
  const said = outcome === undefined
    ? ''
    : outcome.kind === 'none'
      ? 'nothing was recorded; '
      : `the connection was lost after the commit was sent, so it may or may not have been recorded (${outcome.retry}); `;
  return new StoreUnavailableError(
    `PostgreSQL at ${context.endpoint} is unavailable while ${context.operation} (${detail || 'connection failed'}): ${said}check that the server is running and reachable, then retry`,
    error,
  );
}

/** host:port/database of a connection string, without the password */
export function describeEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return 'the configured server';
  }
}
