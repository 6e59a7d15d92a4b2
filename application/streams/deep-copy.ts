/**
 * M3.1's deep copy, as `structuredClone` makes it, without its cost for the common case: a plain
 * record whose values are all primitives (every ledger message) is copied by a spread, which shares
 * the (immutable) strings instead of copying them. Anything else, nested objects, class instances,
 * symbol keys or values that cannot be cloned, goes through `structuredClone` itself, errors included.
 */
export function deepCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
    return structuredClone(value);
  }
  const copy = { ...value } as Record<string, unknown>;
  for (const key in copy) {
    const field = copy[key];
    if ((typeof field === 'object' && field !== null) || typeof field === 'function' || typeof field === 'symbol') {
      return structuredClone(value);
    }
  }
  // a spread keeps symbol-keyed fields, which structuredClone leaves out
  if (Object.getOwnPropertySymbols(copy).length > 0) return structuredClone(value);
  return copy as T;
}
