import { expect } from 'chai';
import { compareKeys, OrderedIndex, type IndexKey } from '../../projections/session-list/ordered-index.js';

describe('projection: the ordered index', () => {
  it('S6.1 inserts, moves and removes keep (updateTime, id) order across block splits, as a sorted array would', () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const index = new OrderedIndex();
    const reference = new Map<string, IndexKey>();
    for (let step = 0; step < 5000; step++) {
      const id = `s${random(900)}`;
      const old = reference.get(id);
      if (old) index.remove(old);
      if (random(5) === 0) {
        reference.delete(id);
        continue;
      }
      const key = { updateTime: random(300), id };
      index.insert(key);
      reference.set(id, key);
    }
    const sorted = [...reference.values()].sort(compareKeys).map((k) => k.id);
    expect(index.size).to.equal(sorted.length);
    expect([...index.descending()]).to.deep.equal([...sorted].reverse());
    const middle = reference.get(sorted[100]!)!;
    expect(index.page(middle, 3, false)).to.deep.equal(sorted.slice(97, 100).reverse());
    expect(index.page(middle, 3, true)).to.deep.equal(sorted.slice(101, 104));
  });
});
