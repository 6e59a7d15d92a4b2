import type { EventStore } from '../../application/ports/event-store.js';

/**
 * `inner`, except that appends to streams starting with `prefix` are refused while `refuse()`
 * says so (each refusal is counted); `keepOpen` makes close() a no-op, so the test can read after.
 */
export function refusingStore(inner: EventStore, prefix: string, refuse: () => boolean, options: { keepOpen?: boolean } = {}): EventStore {
  return new Proxy(inner, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key === 'close' && options.keepOpen) return async () => undefined;
      if (key !== 'appendToStream') return typeof value === 'function' ? value.bind(target) : value;
      return (stream: string, ...rest: unknown[]) => {
        if (stream.startsWith(prefix) && refuse()) return Promise.reject(new Error('refused by the store'));
        return (value as (...a: unknown[]) => unknown).call(target, stream, ...rest);
      };
    },
  });
}

/** A `refuse` that says yes once, then no. */
export function once(): () => boolean {
  let used = false;
  return () => !used && (used = true);
}
