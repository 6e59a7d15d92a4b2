/**
 * The NIM Web SDK's session-list helpers (`nim.mergeSessions`, `nim.cutSessions`,
 * `nim.cutSessionsByIds`, `nim.findSession`), rewritten to give the same outputs as
 * `@yxim/nim-web-sdk` 9.21.12 for the same inputs, quirks included (spec S8).
 *
 * None of them mutates its inputs. Like the SDK, results share objects with the inputs: an
 * element that was not merged is the caller's own object, and when there is nothing to do the
 * input array itself comes back.
 */

/** The fields the helpers read; everything else a session carries is kept as it is. */
export interface SessionLike {
  readonly id: string;
  readonly updateTime?: number;
}

/** What the cut helpers need to know about a session to remove it. */
export interface SessionKey {
  readonly id: string;
}

/**
 * Merges `incoming` into `old` by `id` and sorts the result by `updateTime`, newest first.
 *
 * - A merged session is a new object: the older one's fields, then the newer one's own
 *   enumerable fields on top (shallow; a field set to `undefined` in the newer one overrides).
 * - Sessions with an id not seen before are appended before sorting; the sort is stable, so
 *   equal `updateTime`s keep the prior order first, then the new.
 * - The SDK seeds the result from the first non-empty list: when `old` is empty or null, the
 *   incoming list is taken as it is, so duplicate ids inside it are not merged.
 * - With nothing incoming (`undefined`, `null`, `[]`) the result is `old` itself, unsorted,
 *   or a new `[]` when `old` is null.
 * - The order is the SDK's natural sort, not plain numeric: for millisecond timestamps it is
 *   the same, but sessions without an `updateTime` come before all that have one.
 */
export function mergeSessions<S extends SessionLike>(
  old: readonly S[] | null | undefined,
  incoming?: S | readonly S[] | null,
): S[] {
  // The SDK returns the caller's own array here; the cast only widens readonly for the type.
  const base = (old || []) as S[];
  if (!incoming) return base;
  const additions: readonly S[] = isList(incoming) ? incoming : [incoming];
  if (additions.length === 0) return base;

  const seededFromOld = base.length > 0;
  const merged = seededFromOld ? base.slice() : additions.slice();
  if (seededFromOld) {
    // forEach, like the SDK, skips holes in sparse arrays.
    additions.forEach((session) => {
      const at = indexOfId(merged, session.id);
      if (at === -1) merged.push(session);
      else merged[at] = overlay(merged[at], session);
    });
  }
  return merged.sort((a, b) => naturalCompare(b.updateTime, a.updateTime));
}

/**
 * Removes from `old` the first session with the id of each item of `toCut` (one object or a
 * list; falsy items are skipped). Ids not in `old` are ignored and the order is kept.
 * With nothing to cut, or a null/undefined `old`, `old` itself comes back.
 */
export function cutSessions<S extends SessionLike>(
  old: readonly S[],
  toCut?: SessionKey | readonly (SessionKey | null | undefined)[] | null,
): S[];
export function cutSessions<S extends SessionLike>(
  old: readonly S[] | null | undefined,
  toCut?: SessionKey | readonly (SessionKey | null | undefined)[] | null,
): S[] | null | undefined;
export function cutSessions<S extends SessionLike>(
  old: readonly S[] | null | undefined,
  toCut?: SessionKey | readonly (SessionKey | null | undefined)[] | null,
): S[] | null | undefined {
  // The SDK returns the caller's own value here; the cast only widens readonly for the type.
  if (!old || !toCut) return old as S[] | null | undefined;
  const removals: readonly (SessionKey | null | undefined)[] = isList(toCut) ? toCut : [toCut];
  if (removals.length === 0) return old as S[];

  const kept = old.slice();
  removals.forEach((key) => {
    if (!key) return;
    const at = indexOfId(kept, key.id);
    if (at !== -1) kept.splice(at, 1);
  });
  return kept;
}

/** `cutSessions` with bare ids: one id or a list of ids. */
export function cutSessionsByIds<S extends SessionLike>(
  old: readonly S[],
  ids: string | readonly string[],
): S[];
export function cutSessionsByIds<S extends SessionLike>(
  old: readonly S[] | null | undefined,
  ids: string | readonly string[],
): S[] | null | undefined;
export function cutSessionsByIds<S extends SessionLike>(
  old: readonly S[] | null | undefined,
  ids: string | readonly string[],
): S[] | null | undefined {
  const list: readonly string[] = isList(ids) ? ids : [ids];
  return cutSessions(old, list.map((id) => ({ id })));
}

/** The first session in `list` with this `id` (the same object, not a copy), or `null`. */
export function findSession<S extends SessionLike>(
  list: readonly S[] | null | undefined,
  id: string,
): S | null {
  const sessions = list || [];
  const at = indexOfId(sessions, id);
  return at === -1 ? null : (sessions[at] as S);
}

function isList<T>(value: T | readonly T[]): value is readonly T[] {
  return Array.isArray(value);
}

function indexOfId(list: readonly SessionKey[], id: unknown): number {
  let found = -1;
  // some, like the SDK, skips holes in sparse arrays.
  list.some((session, index) => {
    if (session.id !== id) return false;
    found = index;
    return true;
  });
  return found;
}

function overlay<S>(older: S, newer: S): S {
  const result: Record<string, unknown> = {};
  // Plain assignment of own enumerable string keys, as the SDK's merge does.
  for (const source of [older, newer] as unknown as Record<string, unknown>[]) {
    for (const key of Object.keys(source)) result[key] = source[key];
  }
  return result as S;
}

// The SDK sorts with javascript-natural-sort (case-sensitive), which compares text chunks.
const NUMBER_OR_DIGITS =
  /(^([+\-]?(?:0|[1-9]\d*)(?:\.\d*)?(?:[eE][+\-]?\d+)?)?$|^0x[0-9a-f]+$|\d+)/gi;
const EDGE_SPACES = /(^[ ]*|[ ]*$)/g;
const DATE_LIKE =
  /(^([\w ]+,?[\w ]+)?[\w ]+,?[\w ]+\d+:\d+(:\d+)?[\w ]?|^\d{1,4}[\/\-]\d{1,4}[\/\-]\d{1,4}|^\w+, \w+ \d+, \d{4})/;
const HEX = /^0x[0-9a-f]+$/i;
const LEADING_ZERO = /^0/;

/** Ascending natural order of two values (the SDK passes them as (b, a) for newest first). */
function naturalCompare(left: unknown, right: unknown): number {
  const x = asText(left);
  const y = asText(right);
  const xChunks = chunksOf(x);
  const yChunks = chunksOf(y);

  // Whole values that read as hex numbers or dates compare by their value first.
  const xStamp = hexValue(x) || (xChunks.length !== 1 && DATE_LIKE.test(x) ? Date.parse(x) : 0);
  const yStamp = hexValue(y) || (xStamp && DATE_LIKE.test(y) ? Date.parse(y) : 0) || 0;
  if (yStamp) {
    if (xStamp < yStamp) return -1;
    if (xStamp > yStamp) return 1;
  }

  for (let i = 0, count = Math.max(xChunks.length, yChunks.length); i < count; i++) {
    const a = chunkValue(xChunks[i]);
    const b = chunkValue(yChunks[i]);
    const aIsNaN = Number.isNaN(Number(a));
    const bIsNaN = Number.isNaN(Number(b));
    if (aIsNaN !== bIsNaN) return aIsNaN ? 1 : -1;
    const order =
      typeof a === 'number' && typeof b === 'number' ? compare(a, b) : compare(String(a), String(b));
    if (order !== 0) return order;
  }
  return 0;
}

function asText(value: unknown): string {
  // Concatenation (not String()) so objects and symbols convert exactly as in the SDK.
  return ('' + (value as string)).replace(EDGE_SPACES, '');
}

function chunksOf(text: string): string[] {
  return text
    .replace(NUMBER_OR_DIGITS, '\0$1\0')
    .replace(/\0$/, '')
    .replace(/^\0/, '')
    .split('\0');
}

function hexValue(text: string): number {
  const match = HEX.exec(text);
  return match ? parseInt(match[0], 16) : NaN;
}

function chunkValue(chunk: string | undefined): number | string {
  // Chunks with a leading zero stay text, so "0.5" compares as a string.
  if (!LEADING_ZERO.test(chunk || '')) {
    const value = parseFloat(chunk ?? '');
    if (value) return value;
  }
  return chunk || 0;
}

function compare<T extends number | string>(a: T, b: T): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
