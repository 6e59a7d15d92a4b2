/**
 * An immutable set of message keys that grows in O(1): every version shares one append-only log
 * and sees its first `size` entries. Adding to an older version the key the log already holds next
 * (the same fold done twice) reuses the log; any other fork copies it.
 */
export class KeyLog {
  private constructor(
    private readonly log: { readonly index: Map<string, number>; readonly keys: string[] },
    readonly size: number,
  ) {}

  static empty(): KeyLog {
    return new KeyLog({ index: new Map(), keys: [] }, 0);
  }

  has(key: string): boolean {
    const at = this.log.index.get(key);
    return at !== undefined && at < this.size;
  }

  add(key: string): KeyLog {
    if (this.has(key)) return this;
    const { index, keys } = this.log;
    if (this.size === keys.length) {
      index.set(key, keys.length);
      keys.push(key);
      return new KeyLog(this.log, this.size + 1);
    }
    if (keys[this.size] === key) return new KeyLog(this.log, this.size + 1);
    const forked = { index: new Map<string, number>(), keys: keys.slice(0, this.size) };
    forked.keys.forEach((k, at) => forked.index.set(k, at));
    forked.index.set(key, this.size);
    forked.keys.push(key);
    return new KeyLog(forked, this.size + 1);
  }
}
