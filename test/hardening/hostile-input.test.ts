import { expect } from 'chai';
import fc from 'fast-check';
import { Ledger } from '../../application/api/ledger.js';
import { ValidationError } from '../../application/errors.js';
import * as C from '../../application/write/commands/index.js';
import type { DeviceView } from '../../application/api/device-view.js';
import { MemoryEventStore } from '../../infrastructure/store/memory/memory-store.js';
import { mutant, type Mutant, type Spec } from '../support/hostile-input.js';

const RUNS = Number(process.env['HOSTILE_RUNS'] ?? 10_000);

const id: Spec = { k: 'id' };
const optId: Spec = { k: 'optId' };
const message = (from: string, to: string, scene: Spec = { k: 'scene' }): Spec => ({
  k: 'obj', extra: 'scanned', fields: {
    scene, from: { k: 'const', value: from }, to: { k: 'const', value: to }, idClient: id, idServer: { k: 'optStr' },
    type: id, text: { k: 'optStr' }, time: { k: 'time' }, isUnreadable: { k: 'optBool' }, custom: { k: 'optStr' },
  },
});
const ref: Spec = { k: 'obj', extra: 'refused', fields: { scene: { k: 'scene' }, to: id } };
const obj = (fields: Record<string, Spec>, extra: 'refused' | 'ignored' = 'refused'): Spec => ({ k: 'obj', extra, fields });
const device = { account: id, device: optId };

/** The methods whose only argument is an options object (or a message, or a session id). */
const viewEntries: { name: string; spec: Spec; root: string; prefix?: string; call: (v: DeviceView, input: unknown) => unknown }[] = [
  { name: 'receiveMessage', spec: message('bob', 'alice'), root: 'message', prefix: 'message', call: (v, x) => v.receiveMessage(x as never) },
  { name: 'sendMessage', spec: message('alice', 'bob'), root: 'message', prefix: 'message', call: (v, x) => v.sendMessage(x as never) },
  { name: 'syncMessages', spec: obj({ roaming: { k: 'arr', of: message('bob', 'alice'), optional: true }, offline: { k: 'arr', of: message('carol', 'alice'), optional: true } }, 'ignored'), root: 'options', call: (v, x) => v.syncMessages(x as never) },
  { name: 'setCurrSession', spec: id, root: 'sessionId', call: (v, x) => v.setCurrSession(x as never) },
  { name: 'resetSessionUnread', spec: id, root: 'sessionId', call: (v, x) => v.resetSessionUnread(x as never) },
  { name: 'getLocalSessions', spec: obj({ lastSessionId: { k: 'optStr' }, limit: { k: 'optInt' }, reverse: { k: 'optBool' } }), root: 'options', call: (v, x) => v.getLocalSessions(x as never) },
  { name: 'getLocalSession', spec: obj({ sessionId: id }), root: 'options', call: (v, x) => v.getLocalSession(x as never) },
  { name: 'getLocalSessionsByMsgType', spec: obj({ exclude: { k: 'arr', of: { k: 'str' } }, limit: { k: 'optInt' }, lastSessionId: { k: 'optStr' } }), root: 'options', call: (v, x) => v.getLocalSessionsByMsgType(x as never) },
  { name: 'insertLocalSession', spec: obj({ scene: { k: 'scene' }, to: id, updateTime: { k: 'optTime' } }), root: 'options', call: (v, x) => v.insertLocalSession(x as never) },
  { name: 'updateLocalSession', spec: obj({ id, localCustom: { k: 'str' } }, 'ignored'), root: 'options', call: (v, x) => v.updateLocalSession(x as never) },
  { name: 'deleteLocalSession', spec: obj({ id: { k: 'arr', of: id, nonEmpty: true } }), root: 'options', call: (v, x) => v.deleteLocalSession(x as never) },
  { name: 'deleteLocalSession (one id)', spec: obj({ id }), root: 'options', call: (v, x) => v.deleteLocalSession(x as never) },
  { name: 'deleteSession', spec: obj({ scene: { k: 'scene' }, to: id }), root: 'options', call: (v, x) => v.deleteSession(x as never) },
  { name: 'deleteSessions', spec: obj({ sessions: { k: 'arr', of: ref, nonEmpty: true } }), root: 'options', call: (v, x) => v.deleteSessions(x as never) },
  { name: 'sendMsgReceipt', spec: obj({ msg: message('bob', 'alice', { k: 'const', value: 'p2p' }) }), root: 'options', call: (v, x) => v.sendMsgReceipt(x as never) },
];

/** Commands built by hand and dispatched: every class, its init broken once. */
const commandEntries: { type: new (init: never) => object; spec: Spec }[] = [
  { type: C.ReceiveMessage, spec: obj({ ...device, message: message('bob', 'alice') }) },
  { type: C.SendMessage, spec: obj({ ...device, message: message('alice', 'bob') }) },
  { type: C.SyncMessages, spec: obj({ ...device, roaming: { k: 'arr', of: message('bob', 'alice'), optional: true }, offline: { k: 'arr', of: message('bob', 'alice'), optional: true } }) },
  { type: C.SetCurrentSession, spec: obj({ ...device, sessionId: id }) },
  { type: C.ResetSessionUnread, spec: obj({ ...device, sessionId: id }) },
  { type: C.ResetAllSessionUnread, spec: obj(device) },
  { type: C.ResetCurrentSession, spec: obj(device) },
  { type: C.InsertLocalSession, spec: obj({ ...device, scene: { k: 'scene' }, to: id, updateTime: { k: 'optTime' } }) },
  { type: C.UpdateLocalSession, spec: obj({ ...device, id, localCustom: { k: 'str' } }, 'ignored') },
  { type: C.DeleteLocalSession, spec: obj({ ...device, id: { k: 'arr', of: id, nonEmpty: true } }) },
  { type: C.DeleteSession, spec: obj({ ...device, scene: { k: 'scene' }, to: id }) },
  { type: C.DeleteSessions, spec: obj({ ...device, sessions: { k: 'arr', of: ref, nonEmpty: true } }) },
  { type: C.SendMsgReceipt, spec: obj({ ...device, msg: message('bob', 'alice', { k: 'const', value: 'p2p' }) }) },
  { type: C.RegisterDevice, spec: obj({ ...device, db: { k: 'optBool' }, syncSessionUnread: { k: 'optBool' }, autoMarkRead: { k: 'optBool' } }) },
];

const fn: Spec = { k: 'optFn' };
const accountArgs: Spec = obj({
  accountId: id,
  options: { k: 'obj', extra: 'refused', optional: true, fields: { device: optId, db: { k: 'optBool' }, syncSessionUnread: { k: 'optBool' }, autoMarkRead: { k: 'optBool' }, onsessions: fn, onupdatesession: fn } },
});
const dispatchOptions: Spec = obj({ commandId: optId, correlationId: optId, causationId: optId });

function describeInput(m: Mutant): string {
  return `${m.how} at ${m.field}`;
}

/** The field the error must name: the mutated one, or one inside it. */
function namesField(error: unknown, field: string): boolean {
  if (!(error instanceof ValidationError)) return false;
  // class-validator's `each` rules name the array, not the element: that names it as the caller wrote it too.
  return error.errors.some((e) => e.field === field || e.field.startsWith(`${field}.`) || e.field.startsWith(`${field}[`) || field.startsWith(`${e.field}[`));
}

describe('S10.1 hostile input (fast-check, generated malformed input per entry point)', function () {
  this.timeout(600_000);
  let store: MemoryEventStore;
  let ledger: Ledger;
  let alice: DeviceView;
  let quiet: DeviceView;
  const counts: Record<string, number> = {};
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const prototypeKeys = () => [Object.getOwnPropertyNames(Object.prototype), Object.getOwnPropertyNames(Array.prototype), Object.getOwnPropertyNames(Function.prototype)].map((k) => k.sort().join());
  let prototypesBefore: string[];
  const lastPosition = async () => String((await store.readAll({ direction: 'backwards', maxCount: 1 }))[0]?.position.commit ?? 'none');

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    prototypesBefore = prototypeKeys();
    store = new MemoryEventStore();
    ledger = await Ledger.open({ store, clock: () => 1_000_000 });
    alice = ledger.account('alice');
    quiet = ledger.account('quiet');
    await Promise.all([alice.ready, quiet.ready]);
    await alice.receiveMessage({ scene: 'p2p', from: 'bob', to: 'alice', idClient: 'seed', type: 'text', time: 1 });
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await ledger.close();
    console.log(`      hostile inputs by entry point (${Object.values(counts).reduce((a, b) => a + b, 0)} in all):`);
    for (const [name, n] of Object.entries(counts)) console.log(`        ${name}: ${n}`);
  });
  afterEach(() => {
    expect(unhandled, 'unhandled rejections').to.deep.equal([]);
    expect(prototypeKeys()).to.deep.equal(prototypesBefore);
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
  });

  /** Runs `work` for each mutant: a Promise that rejects naming the field, and nothing appended. */
  async function hostile(name: string, arb: fc.Arbitrary<Mutant>, work: (input: unknown) => unknown, sync = false): Promise<void> {
    counts[name] = 0;
    const start = await lastPosition();
    let first: string | undefined;
    await fc.assert(fc.asyncProperty(arb, async (m) => {
      counts[name]!++;
      const before = await lastPosition();
      let error: unknown;
      if (sync) {
        try {
          work(m.value);
        } catch (e) {
          error = e;
        }
      } else {
        let promise: unknown;
        try {
          promise = work(m.value);
        } catch (e) {
          throw new Error(`${name} threw synchronously for ${describeInput(m)}: ${String(e)}`);
        }
        if (!(promise instanceof Promise)) throw new Error(`${name} returned no Promise for ${describeInput(m)}`);
        error = await promise.then(() => new Error(`${name} resolved for ${describeInput(m)}`), (e: unknown) => e);
      }
      if (!namesField(error, m.field)) throw new Error(`${name}: ${describeInput(m)} gave ${error instanceof ValidationError ? JSON.stringify(error.errors.map((e) => e.field)) : String(error)}`);
      if ((await lastPosition()) !== before) {
        first ??= JSON.stringify((await store.readAll({ direction: 'backwards', maxCount: 3 })).map((e) => [e.streamName, e.type, e.data]), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
        throw new Error(`${name}: ${describeInput(m)} appended an event`);
      }
    }), { numRuns: RUNS }).catch((error: Error) => {
      throw first ? new Error(`${error.message}\nfirst events appended: ${first}`) : error;
    });
    expect(await lastPosition()).to.equal(start);
  }

  // S7.3: `id` is one session id or an array of them, so a string for the array (or an array for the string) is fine.
  const stillValid = (m: Mutant) => {
    const ids = (m.value as { id?: unknown } | null)?.id;
    return (typeof ids === 'string' && ids !== '') || (Array.isArray(ids) && ids.length > 0 && ids.every((one) => typeof one === 'string' && one !== '' && !/[\uD800-\uDFFF]/.test(one)));
  };
  for (const entry of viewEntries) {
    it(`S10.1 ${entry.name}: every malformed input rejects naming its field, appends nothing`, async () => {
      const arb = mutant(entry.spec, entry.root, { prefix: entry.prefix ?? '' });
      await hostile(entry.name, entry.name.startsWith('deleteLocalSession') ? arb.filter((m) => !stillValid(m)) : arb, (x) => entry.call(alice, x));
    });
  }

  it('S10.1 ledger.account: a malformed account id or option throws a ValidationError naming it, appends nothing', async () => {
    await hostile('ledger.account', mutant(accountArgs, 'args', { skipRoot: true }), (x) => {
      const { accountId, options } = x as { accountId: string; options: object };
      return ledger.account(accountId, options);
    }, true);
  });

  it('S10.1 ledger.history and ledger.sessionsAt: malformed queries reject naming the field, append nothing', async () => {
    await hostile('ledger.history', mutant(obj({ account: id, sessionId: { k: 'const', value: 'p2p-bob' } }, 'ignored'), 'query'), (x) => ledger.history(x as never));
    await hostile('ledger.sessionsAt', mutant(obj({ account: id, device: optId, at: { k: 'finite' } }, 'ignored'), 'query'), (x) => ledger.sessionsAt(x as never));
  });

  it('S10.1 ledger.commands.dispatch: every command class with its input broken once rejects naming the field', async () => {
    const arb = fc.constantFrom(...commandEntries).chain(({ type, spec }) => mutant(spec, 'init')
      .filter((m) => type !== C.DeleteLocalSession || !stillValid(m))
      .map((m) => ({ ...m, value: { type, init: m.value } })));
    await hostile('dispatch(command)', arb, (x) => {
      const { type, init } = x as { type: new (init: unknown) => C.ReceiveMessage; init: unknown };
      return Promise.resolve().then(() => ledger.commands.dispatch(new type(init)));
    });
  });

  it('S10.1 ledger.commands.dispatch: something that is not a command rejects naming `command`', async () => {
    const notCommand = fc.oneof(fc.anything({ maxDepth: 3 }), fc.constantFrom<unknown>(C.ReceiveMessage, Object.create(C.ReceiveMessage), { constructor: C.ReceiveMessage }))
      .map((value): Mutant => ({ value, field: 'command', how: 'not a command' }));
    await hostile('dispatch(not a command)', notCommand, (x) => ledger.commands.dispatch(x as never));
  });

  it('S10.1 dispatch options: commandId, correlationId, causationId must be non-empty strings; a bad one appends nothing', async () => {
    let n = 0;
    await hostile('dispatch options', mutant(dispatchOptions, 'options', { prefix: 'options' }), (x) => ledger.commands.dispatch(
      new C.ReceiveMessage({ account: 'alice', message: { scene: 'p2p', from: 'bob', to: 'alice', idClient: `h${++n}`, type: 'text', time: 2 } }), x as never));
  });

  it('S10.1 methods without input (resetAllSessionUnread, resetCurrSession, getTotalUnread, isMsgRemoteRead) take any junk without throwing', async () => {
    const start = await lastPosition();
    for (const [name, call] of [
      ['resetAllSessionUnread', (x: unknown) => quiet.resetAllSessionUnread(x as never)],
      ['resetCurrSession', (x: unknown) => quiet.resetCurrSession(x as never)],
      ['getTotalUnread', (x: unknown) => quiet.getTotalUnread(x as never)],
    ] as const) {
      counts[name] = 0;
      await fc.assert(fc.asyncProperty(fc.anything({ maxDepth: 2 }), async (x) => {
        counts[name]!++;
        const promise = call(x);
        expect(promise).to.be.instanceOf(Promise);
        await promise;
      }), { numRuns: RUNS });
    }
    counts['isMsgRemoteRead'] = 0;
    fc.assert(fc.property(fc.anything({ maxDepth: 2 }), (x) => {
      counts['isMsgRemoteRead']!++;
      return alice.isMsgRemoteRead(x as never) === false;
    }), { numRuns: RUNS });
    expect(await lastPosition()).to.equal(start);
  });

  it('S10.1 after all of it the ledger serves a valid command', async () => {
    const session = await alice.receiveMessage({ scene: 'p2p', from: 'bob', to: 'alice', idClient: 'after', type: 'text', time: 3 });
    expect(session!.unread).to.equal(2);
    expect((await alice.getLocalSessions()).sessions.map((s) => s.id)).to.deep.equal(['p2p-bob']);
    expect((await ledger.account('bob').getLocalSessions()).sessions).to.deep.equal([]);
  });
});
