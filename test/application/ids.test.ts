import { expect } from 'chai';
import fc from 'fast-check';
import { v5 as uuidv5, validate, version } from 'uuid';
import { nameBasedIds, newCommandId } from '../../application/write/ids.js';

const NAMESPACE = '6f1c6f0e-3b8e-5f54-9a41-2d5c7c1f0b7a';

describe('S10.2 the write side\'s ids', () => {
  it('S10.2 name-based ids are the uuid package\'s v5 byte for byte, so stored keys and event ids keep matching', () => {
    const v5 = nameBasedIds(NAMESPACE);
    for (const name of ['', 'a', '["acct1","default","ReceiveMessage","c1","ledger/acct1/session/p2p/peer1","RecordMessages"]', 'k\n1', 'é中文😀']) {
      expect(v5(name), name).to.equal(uuidv5(name, NAMESPACE));
    }
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (name) => v5(name) === uuidv5(name, NAMESPACE)), { numRuns: 300 });
  });

  it('S10.2 a command without a caller\'s id gets a fresh v4 UUID each time', () => {
    const ids = Array.from({ length: 50 }, newCommandId);
    expect(new Set(ids).size).to.equal(50);
    for (const id of ids) expect(validate(id) && version(id)).to.equal(4);
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => nameBasedIds('not-a-uuid')).to.throw(TypeError, /not-a-uuid is not a UUID/);
  });
});
