/**
 * An immutable set of message keys that grows in O(1): every version shares one append-only log
 * and sees the first `size` entries. Adding to an older version (a fork) copies, which only happens
 * when a decision is thrown away.
 */
export class KeyLog {
  private constructor(
    private readonly log: { readonly index: Map<string, number>; length: number },
    readonly size: number,
  ) {}

  static empty(): KeyLog {
    return new KeyLog({ index: new Map(), length: 0 }, 0);
  }

  has(key: string): boolean {
    const at = this.log.index.get(key);
    return at !== undefined && at < this.size;
  }

  add(key: string): KeyLog {
    if (this.has(key)) return this;
    if (this.size === this.log.length) {
      this.log.index.set(key, this.log.length);
      this.log.length++;
      return new KeyLog(this.log, this.size + 1);
    }
    const index = new Map<string, number>();
    for (const [k, at] of this.log.index) if (at < this.size) index.set(k, at);
    index.set(key, this.size);
    return new KeyLog({ index, length: this.size + 1 }, this.size + 1);
  }
}
