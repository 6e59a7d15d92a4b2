import { checkWellFormed } from './append-rules.js';

/** A prefix given to readStreamsWithPrefix: a string (empty: every stream) of well-formed text. */
export function checkStreamPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string') throw new TypeError(`the stream prefix ${String(prefix)} is not a string: pass the start of the stream names to read`);
  checkWellFormed('stream prefix', prefix);
}

/**
 * The smallest string above every name that starts with `prefix`, in code point order (which is
 * also UTF-8 byte order, the order of sqlite's BINARY and PostgreSQL's "C" collation): the prefix
 * with its last code point raised by one. Names n with prefix <= n < bound are exactly those that
 * start with it, so an index on names can answer "starts with" as a range. Undefined when no such
 * string exists (an empty prefix, or one made only of U+10FFFF): every name from `prefix` up qualifies.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      // the surrogate range holds no code point of its own: U+D7FF is followed by U+E000
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

/** Inserts `name` into the sorted `names` unless it is there (binary search; code unit order). */
export function insertSorted(names: string[], name: string): void {
  const at = lowerBound(names, name);
  if (names[at] !== name) names.splice(at, 0, name);
}

/** The names in the sorted `names` that start with `prefix`, found by binary search. */
export function namesWithPrefix(names: readonly string[], prefix: string): string[] {
  const out: string[] = [];
  for (let i = lowerBound(names, prefix); i < names.length && names[i]!.startsWith(prefix); i++) out.push(names[i]!);
  return out;
}

function lowerBound(names: readonly string[], name: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (names[mid]! < name) low = mid + 1;
    else high = mid;
  }
  return low;
}
