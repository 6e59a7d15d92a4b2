/**
 * Sessions of one device view ordered by (updateTime, id) ascending, so paging is a binary search and
 * a slice, never a sort per query (ARCHITECTURE.md, performance design).
 */
export interface IndexKey {
  readonly updateTime: number;
  readonly id: string;
}

function compare(a: IndexKey, b: IndexKey): number {
  if (a.updateTime !== b.updateTime) return a.updateTime < b.updateTime ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class SortedIndex {
  private readonly keys: IndexKey[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** first slot whose key is >= `key` */
  private lowerBound(key: IndexKey): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.keys[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(key: IndexKey): void {
    this.keys.splice(this.lowerBound(key), 0, { updateTime: key.updateTime, id: key.id });
  }

  remove(key: IndexKey): void {
    const at = this.lowerBound(key);
    if (at < this.keys.length && compare(this.keys[at]!, key) === 0) this.keys.splice(at, 1);
  }

  /** ids after (exclusive) `cursor` in descending order, or ascending when `reverse` */
  page(cursor: IndexKey | undefined, limit: number, reverse: boolean): string[] {
    const out: string[] = [];
    if (reverse) {
      let i = cursor ? this.lowerBound(cursor) + 1 : 0;
      for (; i < this.keys.length && out.length < limit; i++) out.push(this.keys[i]!.id);
    } else {
      let i = cursor ? this.lowerBound(cursor) - 1 : this.keys.length - 1;
      for (; i >= 0 && out.length < limit; i--) out.push(this.keys[i]!.id);
    }
    return out;
  }

  /** every id, most recent first */
  *descending(): IterableIterator<string> {
    for (let i = this.keys.length - 1; i >= 0; i--) yield this.keys[i]!.id;
  }
}
