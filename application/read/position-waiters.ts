import { comparePositions, type Position } from '../ports/event-store.js';

/** Promises that resolve once a follower of the global log has passed a position. */
export class PositionWaiters {
  private readonly waiting: { position: Position; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private failure: unknown;

  /** how many wait */
  get pending(): number {
    return this.waiting.length;
  }

  /** Resolves at once when `reached` already covers `position`; rejects once the follower failed. */
  wait(position: Position | undefined, reached: Position): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (position === undefined || comparePositions(position, reached) <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ position, resolve, reject }));
  }

  /** The follower got to `reached`: everyone waiting for it or earlier goes on. */
  release(reached: Position): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const w = this.waiting[i]!;
      if (comparePositions(w.position, reached) <= 0) {
        this.waiting.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** The follower stopped for good: every present and later wait rejects with `error`. */
  fail(error: unknown): void {
    this.failure = error;
    for (const w of this.waiting.splice(0)) w.reject(error);
  }
}
