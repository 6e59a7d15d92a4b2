import { expect } from 'chai';
import fc from 'fast-check';
import { validateSync } from 'class-validator';
import * as C from '../../application/write/commands/index.js';
import * as Q from '../../application/read/session-queries.js';
import { passes } from '../../application/validation-plan.js';
import { mutant, valid, type Spec } from '../support/hostile-input.js';

const OPTIONS = { forbidUnknownValues: true, whitelist: true, forbidNonWhitelisted: true };
const RUNS = Number(process.env['HOSTILE_RUNS'] ?? 400);

const id: Spec = { k: 'id' };
const device = { account: id, device: { k: 'optId' } } as const;
const obj = (fields: Record<string, Spec>): Spec => ({ k: 'obj', extra: 'refused', fields });
const message: Spec = {
  k: 'obj', extra: 'scanned', fields: {
    scene: { k: 'scene' }, from: { k: 'const', value: 'bob' }, to: { k: 'const', value: 'alice' }, idClient: id, idServer: { k: 'optStr' },
    type: id, text: { k: 'optStr' }, time: { k: 'time' }, isUnreadable: { k: 'optBool' }, custom: { k: 'optStr' },
  },
};

const entries: { type: new (init: never) => object; spec: Spec }[] = [
  { type: C.ReceiveMessage, spec: obj({ ...device, message }) },
  { type: C.SyncMessages, spec: obj({ ...device, roaming: { k: 'arr', of: message, optional: true }, offline: { k: 'arr', of: message, optional: true } }) },
  { type: C.InsertLocalSession, spec: obj({ ...device, scene: { k: 'scene' }, to: id, updateTime: { k: 'optTime' } }) },
  { type: C.DeleteSessions, spec: obj({ ...device, sessions: { k: 'arr', of: obj({ scene: { k: 'scene' }, to: id }), nonEmpty: true } }) },
  { type: C.RegisterDevice, spec: obj({ ...device, db: { k: 'optBool' }, syncSessionUnread: { k: 'optBool' }, autoMarkRead: { k: 'optBool' } }) },
  { type: Q.GetLocalSessions, spec: obj({ ...device, lastSessionId: { k: 'optStr' }, limit: { k: 'optInt' }, reverse: { k: 'optBool' } }) },
];

function built(type: new (init: never) => object, init: unknown): object | undefined {
  try {
    return new type(init as never);
  } catch {
    return undefined;
  }
}

describe('S10.1 validation read once per class (class-validator\'s own checks, without its lookups per call)', () => {
  for (const { type, spec } of entries) {
    it(`S10.1 ${type.name}: the fast check passes valid input and nothing class-validator refuses`, () => {
      const input = fc.oneof(valid(spec).map((value) => ({ value, how: 'valid input' })), mutant(spec, 'init').map((m) => ({ value: m.value, how: `${m.how} at ${m.field}` })));
      let passed = 0;
      let refused = 0;
      fc.assert(fc.property(input, ({ value, how }) => {
        const command = built(type, value);
        if (command === undefined) return;
        const fast = passes(command);
        let ok: boolean;
        try {
          ok = validateSync(command, OPTIONS).length === 0;
        } catch {
          // class-validator recurses into a cycle; assertValid refuses those (maxDepth) before either runs
          ok = false;
        }
        // never passes what class-validator refuses; valid input always takes the fast way
        if (fast) expect(ok, how).to.equal(true);
        if (how === 'valid input') expect(fast, how).to.equal(true);
        if (ok) passed++;
        else refused++;
      }), { numRuns: RUNS });
      // both sides were exercised, or the property proved nothing
      expect(passed, 'valid inputs seen').to.be.greaterThan(0);
      expect(refused, 'invalid inputs seen').to.be.greaterThan(0);
    });
  }

  it('S10.1 a key set on the instance after it was built is still refused (whitelist), as class-validator refuses it', () => {
    const command = new C.ReceiveMessage({ account: 'alice', message: { scene: 'p2p', from: 'bob', to: 'alice', idClient: 'i', type: 'text', time: 1 } });
    expect(passes(command)).to.equal(true);
    (command as unknown as Record<string, unknown>)['extra'] = 1;
    expect(passes(command)).to.equal(false);
    expect(validateSync(command, OPTIONS)).to.have.length(1);
  });

  it('an object of a class without decorators never passes (class-validator calls it an unknown value)', () => {
    class Plain { a = 1; }
    expect(passes(new Plain())).to.equal(false);
    expect(validateSync(new Plain(), OPTIONS)[0]?.constraints).to.have.property('unknownValue');
  });
});
