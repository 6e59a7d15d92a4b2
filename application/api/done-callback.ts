import { errorText, type Logger } from '../ports/logger.js';

/** The seed's `done(error, result)` callback (S9). */
export type Done<T> = (error: Error | null, result?: T) => void;

/** A throwing user callback must not break the ledger's delivery to others (S9, S10.1): it is reported to the logger. */
export function guard<A extends unknown[]>(callback: (...args: A) => void, logger: Logger): (...args: A) => void {
  return (...args) => {
    try {
      callback(...args);
    } catch (error) {
      logger.error('a callback threw', { error: errorText(error) });
    }
  };
}

/** Calls `done` when the promise settles and returns the same promise, so both styles work. */
export function settle<T>(promise: Promise<T>, done: Done<T> | undefined, logger: Logger): Promise<T> {
  if (typeof done === 'function') {
    const report = guard(done, logger);
    promise.then(
      (result) => report(null, result),
      (error: unknown) => report(error instanceof Error ? error : new Error(String(error))),
    );
  }
  return promise;
}
