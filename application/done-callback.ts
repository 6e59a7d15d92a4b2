/** The seed's `done(error, result)` callback (S9). */
export type Done<T> = (error: Error | null, result?: T) => void;

/** A throwing user callback must not break the ledger's delivery to others (S9, S10.1). */
export function guard<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      callback(...args);
    } catch (error) {
      console.error('session-ledger: a callback threw', error);
    }
  };
}

/** Calls `done` when the promise settles and returns the same promise, so both styles work. */
export function settle<T>(promise: Promise<T>, done: Done<T> | undefined): Promise<T> {
  if (typeof done === 'function') {
    const report = guard(done);
    promise.then(
      (result) => report(null, result),
      (error: unknown) => report(error instanceof Error ? error : new Error(String(error))),
    );
  }
  return promise;
}
