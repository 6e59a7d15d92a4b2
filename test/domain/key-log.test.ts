import { expect } from 'chai';
import { KeyLog } from '../../domain/key-log.js';

describe('domain: KeyLog (S2.3 dedupe state)', () => {
  it('every version keeps its own keys, also after a fork from an older version', () => {
    const v0 = KeyLog.empty();
    const v1 = v0.add('a');
    const v2 = v1.add('b');
    const fork = v1.add('c');
    expect([v0.has('a'), v1.has('a'), v1.has('b'), v2.has('b'), v2.has('c')]).to.deep.equal([false, true, false, true, false]);
    expect([fork.has('a'), fork.has('b'), fork.has('c')]).to.deep.equal([true, false, true]);
    expect(v2.add('d').has('c')).to.equal(false);
    expect(v2.add('a')).to.equal(v2);
    expect(v2.size).to.equal(2);
  });
});

describe('domain: KeyLog folds twice without copying', () => {
  it('S2.3 adding the same keys again to an older version gives the same set as the first fold', () => {
    let base = KeyLog.empty();
    for (let i = 0; i < 50_000; i++) base = base.add(`k${i}`);
    const decided = base.add('new');            // the decider's own fold
    const folded = base.add('new');             // the pipeline folding the same event again
    expect([decided.has('new'), folded.has('new'), folded.size]).to.deep.equal([true, true, 50_001]);
    let v = folded;
    for (let i = 0; i < 2_000; i++) {
      const before = v;
      v = before.add(`n${i}`);
      v = before.add(`n${i}`);
    }
    expect(v.size).to.equal(52_001);
    expect([v.has('n1999'), v.has('k0'), decided.has('n0')]).to.deep.equal([true, true, false]);
  });
});
