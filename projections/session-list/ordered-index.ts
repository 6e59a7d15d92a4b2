/**
 * Keys ordered by (updateTime, id) ascending, kept in blocks of bounded size: a move costs a
 * binary search and a splice within one block, never a shift of the whole list, and paging is a
 * search and a walk, never a sort per query (README, "Design").
 */
export interface IndexKey {
  readonly updateTime: number;
  readonly id: string;
}

export function compareKeys(a: IndexKey, b: IndexKey): number {
  if (a.updateTime !== b.updateTime) return a.updateTime < b.updateTime ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const BLOCK = 128;

/** First slot of `keys` whose key is >= `key` (or > `key` when `after`). */
function bound(keys: readonly IndexKey[], key: IndexKey, after: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid]!, key);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class OrderedIndex {
  private readonly blocks: IndexKey[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The block holding the first key >= `key` (or > `key` when `after`), and the slot in it. */
  private locate(key: IndexKey, after: boolean): { block: number; slot: number } {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const last = this.blocks[mid]![this.blocks[mid]!.length - 1]!;
      const c = compareKeys(last, key);
      if (c < 0 || (after && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.blocks.length) return { block: lo, slot: 0 };
    return { block: lo, slot: bound(this.blocks[lo]!, key, after) };
  }

  insert(key: IndexKey): void {
    const copy = { updateTime: key.updateTime, id: key.id };
    this.count++;
    if (this.blocks.length === 0) {
      this.blocks.push([copy]);
      return;
    }
    let { block, slot } = this.locate(key, false);
    if (block === this.blocks.length) {
      block--;
      slot = this.blocks[block]!.length;
    }
    const keys = this.blocks[block]!;
    keys.splice(slot, 0, copy);
    if (keys.length > 2 * BLOCK) this.blocks.splice(block + 1, 0, keys.splice(BLOCK));
  }

  remove(key: IndexKey): void {
    const { block, slot } = this.locate(key, false);
    const keys = this.blocks[block];
    if (!keys || slot >= keys.length || compareKeys(keys[slot]!, key) !== 0) return;
    keys.splice(slot, 1);
    this.count--;
    if (keys.length === 0) this.blocks.splice(block, 1);
  }

  /** Keys below (exclusive) `cursor`, or all, most recent first. */
  *descendingBelow(cursor?: IndexKey): IterableIterator<IndexKey> {
    let block = this.blocks.length - 1;
    let slot = block >= 0 ? this.blocks[block]!.length - 1 : -1;
    if (cursor) {
      const at = this.locate(cursor, false);
      block = at.slot === 0 ? at.block - 1 : at.block;
      slot = at.slot === 0 ? (this.blocks[block]?.length ?? 0) - 1 : at.slot - 1;
    }
    for (; block >= 0; block--, slot = (this.blocks[block]?.length ?? 0) - 1) {
      const keys = this.blocks[block]!;
      for (; slot >= 0; slot--) yield keys[slot]!;
    }
  }

  /** Keys above (exclusive) `cursor`, or all, oldest first. */
  *ascendingAbove(cursor?: IndexKey): IterableIterator<IndexKey> {
    let { block, slot } = cursor ? this.locate(cursor, true) : { block: 0, slot: 0 };
    for (; block < this.blocks.length; block++, slot = 0) {
      const keys = this.blocks[block]!;
      for (; slot < keys.length; slot++) yield keys[slot]!;
    }
  }

  /** ids after (exclusive) `cursor` in descending order, or ascending when `reverse` */
  page(cursor: IndexKey | undefined, limit: number, reverse: boolean): string[] {
    const out: string[] = [];
    if (limit <= 0) return out;
    for (const key of reverse ? this.ascendingAbove(cursor) : this.descendingBelow(cursor)) {
      out.push(key.id);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** every id, most recent first */
  *descending(): IterableIterator<string> {
    for (const key of this.descendingBelow()) yield key.id;
  }
}
