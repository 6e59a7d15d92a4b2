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
  if (!text.includes(TAG_IN_TEXT)) return JSON.parse(text);
  return JSON.parse(text, (_key, v: unknown) => (isTaggedBigint(v) ? BigInt(v[BIGINT_TAG]) : v));
}

function isTaggedBigint(v: unknown): v is { [BIGINT_TAG]: string } {
  if (typeof v !== 'object' || v === null) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === BIGINT_TAG && typeof (v as Record<string, unknown>)[BIGINT_TAG] === 'string';
}
