import { expect } from 'chai';
import { Ledger } from '../../application/api/ledger.js';
import { ValidationError } from '../../application/errors.js';
import { DeleteSession, DeleteSessions, ReceiveMessage, SendMessage, SyncMessages } from '../../application/write/commands/index.js';
import type { AnyCommand } from '../../application/write/command-bus.js';
import { MAX_INPUT_DEPTH } from '../../application/validation.js';
import { MemoryEventStore } from '../../infrastructure/store/memory/memory-store.js';
import type { Message } from '../../domain/message.js';
import { p2p } from '../support/messages.js';
import { rejection } from '../support/rejection.js';

/** S10.1 regressions: each defect hostile input found, on a ledger whose log the test can read. */
describe('S10.1 bad input (regressions)', () => {
  let store: MemoryEventStore;
  let ledger: Ledger;
  /** what the ledger reported to its logger at level error */
  let reported: unknown[];
  beforeEach(async () => {
    store = new MemoryEventStore();
    reported = [];
    const ignore = () => undefined;
    ledger = await Ledger.open({ store, clock: () => 1_000_000, logger: { debug: ignore, info: ignore, warn: ignore, error: (...args: unknown[]) => reported.push(args) } });
  });
  afterEach(() => ledger.close());

  const log = async () => (await store.readAll()).map((e) => `${e.streamName} ${e.type}`);
  const fields = (error: unknown) => {
    expect(error).to.be.instanceOf(ValidationError);
    return (error as ValidationError).errors.map((e) => e.field).sort();
  };
  /** Rejects with a ValidationError and appends nothing; returns the fields it named. */
  async function refused(work: () => Promise<unknown>): Promise<string[]> {
    const before = await log();
    const error = await rejection(work());
    expect(await log()).to.deep.equal(before);
    return fields(error);
  }

  it('S10.1 a constructor key is refused, never copied: insertLocalSession does not run as DeleteSession', async () => {
    const bob = ledger.account('bob');
    const alice = ledger.account('alice');
    await alice.receiveMessage(p2p('bob', 'alice', 5));
    expect(await refused(() => alice.insertLocalSession({ scene: 'p2p', to: 'bob', constructor: DeleteSession } as never))).to.deep.equal(['constructor']);
    expect((await alice.getLocalSessions()).sessions.map((s) => s.id)).to.deep.equal(['p2p-bob']);
    await bob.ready;
  });
  it('S10.1 a ReceiveMessage carrying constructor: SendMessage is refused by dispatch, not run as a send', async () => {
    // As a send it would skip the sender check: alice would record bob's message as her own.
    const command = new ReceiveMessage({ account: 'alice', message: p2p('bob', 'alice', 5), constructor: SendMessage } as never);
    expect(await refused(() => ledger.commands.dispatch(command))).to.deep.equal(['constructor']);
    const forged = Object.assign(new ReceiveMessage({ account: 'alice', message: p2p('bob', 'alice', 5) }), { constructor: SendMessage });
    expect(await refused(() => ledger.commands.dispatch(forged as AnyCommand))).to.deep.equal(['command']);
  });
  it('S10.1 __proto__ keys (as JSON.parse makes them) are refused at any depth and Object.prototype is untouched', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    const message = JSON.parse('{"scene":"p2p","from":"bob","to":"alice","idClient":"x","type":"text","time":1,"__proto__":{"polluted":true}}');
    expect(await refused(() => alice.receiveMessage(message))).to.deep.equal(['message.__proto__']);
    const options = JSON.parse('{"scene":"p2p","to":"bob","__proto__":{"account":"bob"}}');
    expect(await refused(() => alice.insertLocalSession(options))).to.deep.equal(['__proto__']);
    expect(() => ledger.account('alice', JSON.parse('{"__proto__":{"db":false}}'))).to.throw(ValidationError);
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
  });
  it('S10.1 a view acts for its own account only: account and device keys in method options are refused', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    expect(await refused(() => alice.insertLocalSession({ scene: 'p2p', to: 'zed', account: 'bob' } as never))).to.deep.equal(['account']);
    expect(await refused(() => alice.getLocalSessions({ device: 'tablet' } as never))).to.deep.equal(['device']);
    expect((await ledger.account('bob').getLocalSessions()).sessions).to.deep.equal([]);
  });
  it('S10.1 ids with lone surrogates are a ValidationError before anything is appended, batch or not', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    expect(await refused(() => alice.receiveMessage(p2p('\uD800', 'alice', 1)))).to.deep.equal(['message.from']);
    expect(await refused(() => alice.deleteSessions({ sessions: [{ scene: 'p2p', to: 'bob' }, { scene: 'p2p', to: 'x\uDC00' }] }))).to.deep.equal(['sessions[1].to']);
    expect(await refused(() => alice.syncMessages({ offline: [p2p('bob', 'alice', 1), p2p('bob', 'alice', 2, { idClient: '\uD83D' })] }))).to.deep.equal(['offline[1].idClient']);
    expect(() => ledger.account('\uD800')).to.throw(ValidationError);
    expect(fields(await rejection(ledger.history({ account: 'a\uD800', sessionId: 'p2p-bob' })))).to.deep.equal(['account']);
    expect(fields(await rejection(ledger.sessionsAt({ account: 'alice', device: '\uDFFF', at: 1 })))).to.deep.equal(['device']);
  });
  it('S10.1 a String object is not a string: sendMessage from new String(alice) rejects, records nothing', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    const fromObject = { ...p2p('alice', 'bob', 1), from: new String('alice') } as unknown as Message;
    expect(await refused(() => alice.sendMessage(fromObject))).to.deep.equal(['message.from']);
    expect(await refused(() => alice.insertLocalSession({ scene: 'p2p', to: new String('bob') as never }))).to.deep.equal(['to']);
  });
  it('S10.1 holes, undefined, null and [] inside arrays are named by index; nothing of the batch is recorded', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    // eslint-disable-next-line no-sparse-arrays
    const roaming = [p2p('bob', 'alice', 1), , null, undefined, []] as unknown as Message[];
    expect(await refused(() => alice.syncMessages({ roaming }))).to.deep.equal(['roaming[1]', 'roaming[2]', 'roaming[3]', 'roaming[4]']);
    // eslint-disable-next-line no-sparse-arrays
    expect(await refused(() => alice.deleteLocalSession({ id: ['p2p-bob', , null] as never }))).to.deep.equal(['id[1]', 'id[2]']);
    expect(await refused(() => alice.deleteSessions({ sessions: [[]] as never }))).to.deep.equal(['sessions[0]']);
    expect(await refused(() => alice.getLocalSessionsByMsgType({ exclude: ['text', null] as never }))).to.include('exclude[1]');
  });
  it('S10.1 falsy batches and non-object options reject (never resolve as an empty sync, never throw synchronously)', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    for (const bad of [0, '', false]) {
      expect(await refused(() => alice.syncMessages({ roaming: bad as never }))).to.deep.equal(['roaming']);
      expect(await refused(() => alice.syncMessages({ offline: bad as never }))).to.deep.equal(['offline']);
      expect(await refused(() => alice.syncMessages(bad as never))).to.deep.equal(['options']);
    }
    let promise: Promise<unknown> | undefined;
    expect(() => { promise = alice.syncMessages(null as never); }).not.to.throw();
    expect(fields(await rejection(promise!))).to.deep.equal(['options']);
    expect(() => { promise = alice.getLocalSessions(null as never); }).not.to.throw();
    expect(fields(await rejection(promise!))).to.deep.equal(['options']);
    expect(await alice.syncMessages()).to.deep.equal([]);
  });
  it(`S10.1 nesting deeper than ${MAX_INPUT_DEPTH} levels is refused without a stack overflow, cycles too`, async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    let deep: unknown = [];
    for (let i = 0; i < 5000; i++) deep = [deep];
    expect(await refused(() => alice.syncMessages({ roaming: deep as never }))).to.have.length(1);
    const cyclic: Record<string, unknown> = { ...p2p('bob', 'alice', 1) };
    cyclic['target'] = cyclic;
    expect(await refused(() => alice.receiveMessage(cyclic as never))).to.have.length(1);
    const nim = { ...p2p('bob', 'alice', 2), file: { meta: { size: 1 } } };
    expect((await alice.receiveMessage(nim))!.unread).to.equal(1);
  });
  it('S10.1 times outside 0..Number.MAX_SAFE_INTEGER are refused', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    for (const time of [-1, Number.MAX_SAFE_INTEGER + 1, 2 ** 60, Infinity, NaN]) {
      expect(await refused(() => alice.receiveMessage(p2p('bob', 'alice', time)))).to.deep.equal(['message.time']);
      expect(await refused(() => alice.insertLocalSession({ scene: 'p2p', to: 'bob', updateTime: time }))).to.deep.equal(['updateTime']);
    }
    expect((await alice.receiveMessage(p2p('bob', 'alice', Number.MAX_SAFE_INTEGER)))!.updateTime).to.equal(Number.MAX_SAFE_INTEGER);
  });
  it('S10.1 dispatch options must be non-empty strings: BigInt, cyclic, object, Symbol, function, NaN are named', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const command = () => new ReceiveMessage({ account: 'alice', message: p2p('bob', 'alice', 1) });
    for (const option of ['commandId', 'correlationId', 'causationId']) {
      for (const bad of [10n, cyclic, { id: 1 }, Symbol('x'), () => 'id', NaN, '', null, 'a\uD800']) {
        expect(await refused(() => ledger.commands.dispatch(command(), { [option]: bad } as never))).to.deep.equal([`options.${option}`]);
      }
    }
    expect(await refused(() => ledger.commands.dispatch(command(), { commandID: 'typo' } as never))).to.deep.equal(['options.commandID']);
    expect(await refused(() => ledger.commands.dispatch(command(), null as never))).to.deep.equal(['options']);
  });
  it('S10.1 ValidationError.errors carries no junk and names fields as the caller wrote them', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    const named = async (work: () => Promise<unknown>) => {
      const error = (await rejection(work())) as ValidationError;
      for (const e of error.errors) {
        expect(e.field).to.be.a('string').and.not.match(/undefined|null|^$/);
        expect(Object.keys(e.constraints)).to.not.be.empty;
      }
      return fields(error);
    };
    expect(await named(() => alice.receiveMessage(5 as never))).to.deep.equal(['message']);
    expect(await named(() => alice.receiveMessage(new Date() as never))).to.include('message.scene');
    expect(await named(() => alice.deleteSessions({ sessions: [5, null] as never }))).to.deep.equal(['sessions[0]', 'sessions[1]']);
    expect(await named(() => alice.deleteLocalSession({ id: 5 as never }))).to.deep.equal(['id']);
    expect(await named(() => alice.deleteLocalSession({ id: ['p2p-bob', ''] }))).to.deep.equal(['id[1]']);
    expect(await named(() => alice.syncMessages({ offline: [p2p('bob', 'alice', 1), p2p('bob', 'alice', 1), { ...p2p('bob', 'alice', 1), time: 'x' as never }] }))).to.deep.equal(['offline[2].time']);
    expect(await named(() => ledger.commands.dispatch(new DeleteSessions({ account: 'alice', sessions: [{ scene: 'p2p', to: 'bob', extra: 1 } as never] })))).to.deep.equal(['sessions[0].extra']);
  });
  it('S10.1 ledger.account and dispatch give documented errors for bad arguments', async () => {
    const thrown = (work: () => unknown) => {
      try {
        work();
      } catch (error) {
        return fields(error);
      }
      throw new Error('expected a ValidationError');
    };
    expect(thrown(() => ledger.account(5 as never))).to.deep.equal(['accountId']);
    expect(thrown(() => ledger.account('x', null as never))).to.deep.equal(['options']);
    expect(thrown(() => ledger.account('x', { db: 'yes' as never, onsessions: 5 as never, colour: 'red' } as never))).to.deep.equal(['options.colour', 'options.db', 'options.onsessions']);
    for (const bad of [null, undefined, 5, {}, { account: 'alice' }, new SyncMessages({ account: 'alice' }).constructor]) {
      expect(await refused(() => ledger.commands.dispatch(bad as never))).to.deep.equal(['command']);
    }
  });
  it('S10.1 a done callback that throws is reported like a throwing onupdatesession, never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const alice = ledger.account('alice');
      const thrower = () => {
        throw new Error('user bug');
      };
      await alice.receiveMessage(p2p('bob', 'alice', 1), { done: thrower });
      await rejection(alice.getLocalSessions({ lastSessionId: 'p2p-nobody', done: thrower }));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).to.deep.equal([]);
    expect(reported).to.have.length(2);
  });
  it('S10.1 isMsgRemoteRead is false for anything that is not a message, and never throws', async () => {
    const alice = ledger.account('alice');
    for (const bad of [null, 5, 'x', { scene: 'p2p', from: 'alice', to: Symbol('bob'), time: 1 }, { scene: 'p2p', from: 'alice', to: 'bob', time: 10n }]) {
      expect(alice.isMsgRemoteRead(bad as never)).to.equal(false);
    }
  });
});
