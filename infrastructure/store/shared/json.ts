/**
 * JSON text for event data, metadata and checkpoint states. Bigints (positions, revisions) survive
 * the round trip as `{ "$bigint": "<digits>" }`, because plain JSON.stringify throws on them.
 *
 * Both directions stay on V8's fast path for the usual value (no replacer or reviver called per
 * value): a bigint makes plain JSON.stringify throw, and only then is the value encoded again with
 * the tagging replacer; only text that has the tag in it is parsed with the reviver.
 */
const BIGINT_TAG = '$bigint';
const TAG_IN_TEXT = `"${BIGINT_TAG}"`;

export function encodeJson(value: unknown): string {
  try {
    return JSON.stringify(value ?? null);
  } catch (error) {
    // a cycle (or a throwing toJSON) fails the same way again below, with the same error
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(value ?? null, (_key, v: unknown) => (typeof v === 'bigint' ? { [BIGINT_TAG]: v.toString() } : v));
  }
}

export function decodeJson(text: string): any {
  // a one-character search is some 20× cheaper than looking for the whole tag
  if (text.indexOf('$') === -1 || !text.includes(TAG_IN_TEXT)) return JSON.parse(text);
  return JSON.parse(text, (_key, v: unknown) => (isTaggedBigint(v) ? BigInt(v[BIGINT_TAG]) : v));
}

function isTaggedBigint(v: unknown): v is { [BIGINT_TAG]: string } {
  if (typeof v !== 'object' || v === null) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === BIGINT_TAG && typeof (v as Record<string, unknown>)[BIGINT_TAG] === 'string';
}

const NOT_PLAIN = Symbol('notPlain');

/** A copy of plain JSON data (finite numbers, strings, booleans, null, arrays, plain objects), or NOT_PLAIN. */
function plainCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : NOT_PLAIN;
    case 'object':
      break;
    default:
      return NOT_PLAIN;
  }
  if (value === null) return null;
  if (depth > 64) return NOT_PLAIN;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const copied = plainCopy(value[i], depth + 1);
      if (copied === NOT_PLAIN || copied === undefined) return NOT_PLAIN;
      out[i] = copied;
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  // for-in with hasOwn: Object.keys' own enumerable keys in its order, without an array per object
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key === '__proto__' || key === 'toJSON') return NOT_PLAIN;
    const field = (value as Record<string, unknown>)[key];
    // JSON leaves out a key whose value is undefined
    if (field === undefined) continue;
    const copied = plainCopy(field, depth + 1);
    if (copied === NOT_PLAIN) return NOT_PLAIN;
    out[key] = copied;
  }
  return out;
}

/**
 * What `decodeJson(text)` gives, where `text` is `encodeJson(value)`: a copy of `value` made
 * directly when it is plain JSON data (several times cheaper than parsing), else the text parsed.
 * A store hands this to its subscribers, so no appender's later change to `value` reaches them.
 */
export function jsonCopy(value: unknown, text: string): any {
  const copied = value === undefined ? NOT_PLAIN : plainCopy(value, 0);
  return copied === NOT_PLAIN ? decodeJson(text) : copied;
}

/** JSON text kept for a value that is not plain data (a bigint, a Date, an undefined in an array…). */
class JsonText {
  constructor(readonly text: string) {}
}

/** A value as an in-memory store keeps it: a plain copy of plain JSON data, else its JSON text. */
export type Kept = unknown;

/**
 * Keeps `value` for later reads without encoding plain data to text: what `fromKept` gives back
 * equals `decodeJson(encodeJson(value))`. Throws, as encodeJson does, for a value that is not JSON.
 */
export function keep(value: unknown): Kept {
  const copied = value === undefined ? NOT_PLAIN : plainCopy(value, 0);
  return copied === NOT_PLAIN ? new JsonText(encodeJson(value)) : copied;
}

/** A fresh value from what `keep` kept: no reader can change what another one reads. */
export function fromKept(kept: Kept): any {
  return kept instanceof JsonText ? decodeJson(kept.text) : plainCopy(kept, 0);
}
