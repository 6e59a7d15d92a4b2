/**
 * Runs work one after another per key, and concurrently across keys. A key with nothing under way
 * (the usual step) starts its work at once; a lane's tail lets go of its key once it settles.
 */
export class Lanes {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    const next = previous ? previous.then(work, work) : start(work);
    const tails = this.tails;
    const tail: Promise<unknown> = next.then(release, release);
    function release(): void {
      if (tails.get(key) === tail) tails.delete(key);
    }
    tails.set(key, tail);
    return next;
  }
}

/** `work()`, a synchronous throw included as a rejection (as `then` would give it). */
function start<T>(work: () => Promise<T>): Promise<T> {
  try {
    return work();
  } catch (error) {
    return Promise.reject(error);
  }
}
