/**
 * JSON text for event data, metadata and checkpoint states. Bigints (positions, revisions) survive
 * the round trip as `{ "$bigint": "<digits>" }`, because plain JSON.stringify throws on them.
 */
const BIGINT_TAG = '$bigint';

export function encodeJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) => (typeof v === 'bigint' ? { [BIGINT_TAG]: v.toString() } : v));
}

export function decodeJson(text: string): any {
  return JSON.parse(text, (_key, v: unknown) => (isTaggedBigint(v) ? BigInt(v[BIGINT_TAG]) : v));
}

function isTaggedBigint(v: unknown): v is { [BIGINT_TAG]: string } {
  if (typeof v !== 'object' || v === null) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === BIGINT_TAG && typeof (v as Record<string, unknown>)[BIGINT_TAG] === 'string';
}
