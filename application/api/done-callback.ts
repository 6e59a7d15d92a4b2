/** The seed's `done(error, result)` callback (S9). */
export type Done<T> = (error: Error | null, result?: T) => void;

/** Calls `done` when the promise settles and returns the same promise, so both styles work. */
export function settle<T>(promise: Promise<T>, done: Done<T> | undefined): Promise<T> {
  if (typeof done === 'function') {
    promise.then(
      (result) => done(null, result),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  }
  return promise;
}
