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
