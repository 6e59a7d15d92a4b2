/** Argument checks shared by the commands: each failure says what to change. */
import { existsSync, rmSync, statSync } from 'node:fs';
import { DEFAULT_STORE, openStore } from '../create-ledger.js';

/** A mistake in the arguments: main prints its message, without a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function storeOf(values: { store?: string | undefined }): string {
  const url = values.store ?? process.env['LEDGER_STORE'] ?? DEFAULT_STORE;
  const path = sqlitePath(url);
  if (path !== undefined && existsSync(path) && statSync(path).isDirectory()) {
    throw new UsageError(`--store ${url}: ${path} is a directory; give a file in it, e.g. sqlite:${path.replace(/\/+$/, '')}/ledger.sqlite`);
  }
  return url;
}

/** The file of a 'sqlite:<path>' store; undefined for other stores and for 'sqlite::memory:'. */
function sqlitePath(url: string): string | undefined {
  if (!url.startsWith('sqlite:')) return undefined;
  const path = url.slice('sqlite:'.length);
  return path && path !== ':memory:' ? path : undefined;
}

/** Commands that only read must not create an empty store where a path was mistyped. */
export function existingStore(values: { store?: string | undefined }): string {
  const url = storeOf(values);
  const path = sqlitePath(url);
  if (path !== undefined && !existsSync(path)) {
    throw new UsageError(`no store at ${path}: run 'session-ledger demo' first, or pass --store <url>`);
  }
  return url;
}

/**
 * `demo --fresh`: empties the store before the run. Opening it first makes sure no other process
 * holds it (the sqlite store is locked while open), so a file in use is never removed.
 */
export async function emptyStore(url: string): Promise<void> {
  if (url === 'memory' || url === 'sqlite::memory:') return;
  const path = sqlitePath(url);
  if (path === undefined) throw new UsageError(`--fresh empties a sqlite store only; ${url} is kept as it is (start a new server, or leave out --fresh)`);
  if (!existsSync(path)) return;
  await (await openStore(url)).close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

/** The size of a sqlite store on disk with its write-ahead log, or 0. */
export function storeBytes(url: string): number {
  const path = sqlitePath(url);
  if (path === undefined) return 0;
  return ['', '-wal'].reduce((sum, suffix) => sum + (existsSync(`${path}${suffix}`) ? statSync(`${path}${suffix}`).size : 0), 0);
}

/** A count written in digits only: '1e3', '2.5', '0x10' and '' are refused, not read as numbers. */
export function integer(name: string, raw: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  const range = `from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}`;
  if (!/^\d+$/.test(raw)) {
    throw new UsageError(`--${name} must be a whole number ${range}, written in digits (e.g. ${Math.max(min, fallback)}); got ${JSON.stringify(raw)}`);
  }
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`--${name} must be a whole number ${range}; got ${JSON.stringify(raw)}`);
  return n;
}

export function noMore(positionals: readonly string[], expected: number, usage: string): void {
  if (positionals.length > expected) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[expected])}; ${usage}`);
}
