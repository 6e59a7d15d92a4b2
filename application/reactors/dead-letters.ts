import type { Position } from '../ports/event-store.js';

/** A MessageSent whose peer copy failed for good, by its stream and revision (bigint as a string, for JSON). */
export interface DeadLetter {
  readonly stream: string;
  readonly revision: string;
}

/** at most this many dead letters are listed in the checkpoint (about 100 bytes each: far below 1 MiB) */
export const DEAD_LETTERS_KEPT = 1000;

/**
 * The peer deliveries that failed for good, bounded: the checkpoint lists at most DEAD_LETTERS_KEPT
 * (an EventStoreDB event holds at most 1 MiB), the oldest first. One that does not fit is not
 * dropped: the checkpoint stops before it (`holdBack`), so the next run reads it, and everything
 * after it, from the log again (delivering those again is a no-op). Memory is bounded the same way.
 */
export class DeadLetters {
  /** by message (sender and key): a message delivered later leaves the list */
  private readonly letters = new Map<string, DeadLetter>();
  /** the position just before the first dead letter that did not fit */
  private overflow: Position | undefined;

  constructor(private readonly kept = DEAD_LETTERS_KEPT) {}

  /** Parks the letter of message `key`; `before`: the position handled just before its event. */
  park(key: string, letter: DeadLetter, before: Position): void {
    if (this.letters.has(key) || this.letters.size < this.kept) this.letters.set(key, letter);
    else this.overflow ??= before;
  }

  delivered(key: string): void {
    this.letters.delete(key);
  }

  /** Where the checkpoint may go: `handled`, or before the first letter that was not listed. */
  holdBack(handled: Position): Position {
    return this.overflow ?? handled;
  }

  /** What the checkpoint keeps. */
  state(): { deadLetters: DeadLetter[] } {
    return { deadLetters: [...this.letters.values()] };
  }

  /** The letters a checkpoint's state lists (an older one may list more than are kept now: all are tried). */
  static of(state: unknown): readonly DeadLetter[] {
    return (state as { deadLetters?: DeadLetter[] } | null)?.deadLetters ?? [];
  }
}
