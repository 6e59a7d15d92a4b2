import pg from 'pg';

/** A query a pg client sent, as a spy sees it. */
export interface SpiedQuery {
  readonly client: pg.Client;
  readonly text: string;
  readonly values: readonly unknown[];
}

type Query = (this: pg.Client, ...args: unknown[]) => unknown;

/**
 * Wraps pg's `Client.prototype.query` (every pooled connection's) for a test that orders what
 * connections hear: `spy` sees each query sent with a promise, and may return another promise to
 * hand the caller instead of its result. Returns the restore.
 */
export function spyOnQueries(spy: (query: SpiedQuery, result: Promise<unknown>) => Promise<unknown> | undefined): () => void {
  const original = pg.Client.prototype.query as unknown as Query;
  const patched: Query = function (this: pg.Client, ...args: unknown[]) {
    const result = original.apply(this, args);
    if (!(result instanceof Promise)) return result;
    return spy({ client: this, ...textOf(args) }, result) ?? result;
  };
  pg.Client.prototype.query = patched as unknown as typeof pg.Client.prototype.query;
  return () => {
    pg.Client.prototype.query = original as unknown as typeof pg.Client.prototype.query;
  };
}

function textOf(args: unknown[]): { text: string; values: readonly unknown[] } {
  const [first, second] = args;
  if (typeof first === 'string') return { text: first, values: Array.isArray(second) ? second : [] };
  const config = first as { text?: string; values?: unknown[] } | undefined;
  return { text: config?.text ?? '', values: config?.values ?? [] };
}
