/**
 * Turns that every process on a store takes together: a decision that reads more than the stream
 * it appends to (the account's top updateTime for an insert, a device's login for its local
 * changes) runs while its process holds the lock of its keys, so two processes never decide from
 * the same state. On PostgreSQL these are session advisory locks; a store that only one process
 * writes has none (its lanes in process are enough).
 */
export interface KeyLocks {
  /** Runs `work` while this process holds the lock of every key (taken in sorted order); frees them after. */
  hold<T>(keys: readonly string[], work: () => Promise<T>): Promise<T>;
}
