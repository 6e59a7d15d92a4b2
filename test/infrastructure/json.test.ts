import { expect } from 'chai';
import fc from 'fast-check';
import { decodeJson, encodeJson, fromKept, jsonCopy, keep } from '../../infrastructure/store/shared/json.js';

describe('the stores\' JSON text (event data, metadata, checkpoint states)', () => {
  it('plain values are plain JSON, read back equal', () => {
    const value = { message: { scene: 'p2p', from: 'a', to: 'b', text: 'say "$bigint"', time: 1 }, list: [1, null, 'x'] };
    expect(encodeJson(value)).to.equal(JSON.stringify(value));
    expect(decodeJson(encodeJson(value))).to.deep.equal(value);
    expect(encodeJson(undefined)).to.equal('null');
  });

  it('bigints anywhere in a value survive the round trip, tagged', () => {
    const value = { position: { commit: 5n, prepare: 5n }, state: { marks: [1n, 2], n: 3 } };
    expect(encodeJson(value)).to.equal('{"position":{"commit":{"$bigint":"5"},"prepare":{"$bigint":"5"}},"state":{"marks":[{"$bigint":"1"},2],"n":3}}');
    expect(decodeJson(encodeJson(value))).to.deep.equal(value);
  });

  it('text that only mentions the tag is not mistaken for a bigint', () => {
    const value = { text: '{"$bigint":"5"}', other: { $bigint: '5', more: 1 } };
    expect(decodeJson(encodeJson(value))).to.deep.equal(value);
  });

  it('a value that cannot be JSON is refused with a TypeError', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => encodeJson(cyclic)).to.throw(TypeError);
    expect(() => keep(cyclic)).to.throw(TypeError);
  });

  it('jsonCopy and keep/fromKept give what decoding the encoded text gives, as new values the appender cannot change', () => {
    const roundTrip = (value: unknown) => {
      const text = encodeJson(value);
      const copied = jsonCopy(value, text);
      expect(copied).to.deep.equal(decodeJson(text));
      const kept = keep(value);
      const [first, second] = [fromKept(kept), fromKept(kept)];
      expect(first).to.deep.equal(decodeJson(text));
      if (value !== null && typeof value === 'object') {
        expect(copied).not.to.equal(value);
        expect(first).not.to.equal(value);
        if (first !== null && typeof first === 'object') expect(first).not.to.equal(second);
      }
    };
    fc.assert(fc.property(fc.jsonValue(), roundTrip), { numRuns: 300 });
    const odd: unknown[] = [
      { a: undefined, b: 1 }, [1, undefined, 2], { n: -0 }, { n: NaN, m: Infinity }, { d: new Date(0) }, { big: 5n },
      JSON.parse('{"__proto__": {"x": 1}}'), { toJSON: () => 'j' }, Object.assign(Object.create(null), { a: 1 }), { f: () => 1 },
      { nested: { list: [{ deep: [1, 'x', null, true] }] } }, 'text', 3, null, undefined,
    ];
    for (const value of odd) roundTrip(value);
    const data = { message: { text: 'a' } };
    const copied = jsonCopy(data, encodeJson(data));
    data.message.text = 'changed';
    expect(copied).to.deep.equal({ message: { text: 'a' } });
  });
});
