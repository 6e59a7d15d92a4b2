/** Argument checks shared by the commands: each failure says what to change. */
import { accessSync, constants, existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DEFAULT_STORE, checkReadModelsFor, openStore } from '../create-ledger.js';

/** A mistake in the arguments: main prints its message, without a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The store URLs `createLedger` opens, in the words of the messages below. */
const STORE_KINDS = "'memory', 'sqlite:<path>', 'postgres://…' or 'esdb://…'";

/** Where the store URL came from, so that a message names what to change. */
function storeSetting(values: { store?: string | undefined }, url: string): string {
  if (values.store !== undefined) return `--store ${url}`;
  return process.env['LEDGER_STORE'] !== undefined ? `LEDGER_STORE=${url}` : `the default store ${url}`;
}

/**
 * The store a command opens (`--store`, else `$LEDGER_STORE`, else the default), checked before
 * anything is opened: a path without `sqlite:`, a directory, a device file, or a place this user
 * cannot write is refused with the setting that needs changing (the flag or the variable).
 */
export function storeOf(values: { store?: string | undefined }): string {
  const url = values.store ?? process.env['LEDGER_STORE'] ?? DEFAULT_STORE;
  const setting = storeSetting(values, url);
  if (!isStoreUrl(url)) {
    const asFile = /[/\\]|\.(sqlite3?|db)$/.test(url) || existsSync(url);
    const hint = !asFile ? '' : existsSync(url) && statSync(url).isDirectory() ? `; for a SQLite file in that folder write sqlite:${join(url, 'ledger.sqlite')}` : `; for a SQLite file write sqlite:${url}`;
    throw new UsageError(`${setting}: not a store URL; give ${STORE_KINDS}${hint}`);
  }
  const path = sqlitePath(url);
  if (path !== undefined) {
    const problem = sqliteProblem(path);
    if (problem) throw new UsageError(`${setting}: ${problem}`);
  }
  return url;
}

function isStoreUrl(url: string): boolean {
  return url === 'memory' || ['sqlite:', 'esdb://', 'esdb+discover://', 'postgres://', 'postgresql://'].some((p) => url.startsWith(p));
}

/** Why a SQLite file cannot be a store here, or undefined. The ledger writes even to read (its checkpoints). */
function sqliteProblem(path: string): string | undefined {
  if (existsSync(path)) {
    const stat = statSync(path);
    if (stat.isDirectory()) return `${path} is a directory; give a file in it, e.g. sqlite:${path.replace(/\/+$/, '')}/ledger.sqlite`;
    if (!stat.isFile()) return `${path} is not a regular file; give the path of a SQLite file, e.g. --store sqlite:./data/ledger.sqlite`;
    if (!writable(path)) return `${path} is read-only for this user, and the ledger writes to its store even to read it (checkpoints); copy the file somewhere writable and pass that, or make it writable`;
    if (!writable(dirname(path))) return `the folder ${dirname(path)} is read-only for this user, and SQLite keeps its journal (${basename(path)}-wal) next to the file; copy the file somewhere writable and pass that`;
    return undefined;
  }
  let folder = dirname(path);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  if (!statSync(folder).isDirectory()) return `cannot create ${path}: ${folder} is a file, not a folder; give a path in a folder, e.g. --store sqlite:${join(dirname(folder), 'ledger.sqlite')}`;
  if (!writable(folder)) return `cannot create ${path}: ${folder} is read-only for this user; give a path in a folder you can write, e.g. --store sqlite:${join(tmpdir(), 'ledger.sqlite')}`;
  return undefined;
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The file of a 'sqlite:<path>' store; undefined for other stores and for 'sqlite::memory:'. */
function sqlitePath(url: string): string | undefined {
  if (!url.startsWith('sqlite:')) return undefined;
  const path = url.slice('sqlite:'.length);
  return path && path !== ':memory:' ? path : undefined;
}

/** Commands that only read must not create an empty store where a path was mistyped. */
export function existingStore(values: { store?: string | undefined }): string {
  const url = values.store ?? process.env['LEDGER_STORE'] ?? DEFAULT_STORE;
  if (url === 'memory' || url === 'sqlite::memory:') {
    throw new UsageError(`${storeSetting(values, url)}: an in-memory store starts empty in every process, so there is nothing to read; pass the store a demo wrote, e.g. --store ${DEFAULT_STORE}`);
  }
  const path = isStoreUrl(url) ? sqlitePath(url) : undefined;
  if (path !== undefined && !existsSync(path)) {
    const change = values.store === undefined && process.env['LEDGER_STORE'] !== undefined ? 'correct LEDGER_STORE, or pass --store <url>' : 'pass --store <url> of an existing store';
    throw new UsageError(`no store at ${path} (${storeSetting(values, url)}): run 'npx session-ledger demo' first to create one, or ${change}`);
  }
  return storeOf(values);
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
  for (const suffix of ['', '-wal', '-shm', '-clean']) rmSync(`${path}${suffix}`, { force: true });
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

/** `--read-models <url>` for the store `storeUrl`, checked before anything opens (undefined when not given). */
export function readModelsOf(values: { 'read-models'?: string | undefined }, storeUrl: string): string | undefined {
  const url = values['read-models'];
  if (url === undefined) return undefined;
  try {
    checkReadModelsFor(storeUrl, url);
  } catch (error) {
    throw new UsageError(`--read-models: ${(error as Error).message.replace(/^readModels /, '')}`);
  }
  return url;
}
