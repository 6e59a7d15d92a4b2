import { expect } from 'chai';
import { VirtualTimeScheduler, firstValueFrom, take, toArray } from 'rxjs';
import type { Message } from '../../domain/message.js';
import { MessageStream, StreamOverflowError, StreamTimeoutError, type IncomingMessage, type SessionContext, type SessionEngine } from '../../application/streams/index.js';
import { deepCopy } from '../../application/streams/deep-copy.js';
import { KeyedSerialQueue } from '../../application/streams/ordered-dispatch.js';
import { deferred, msg, setup } from '../support/streams.js';

/** Starts a normal handler per sender on 'start' that reads every later message of its id with ctx.get. */
function readers(engine: SessionEngine, options: { bufferSize?: number } = {}) {
  const read = new Map<string, string[]>();
  const contexts = new Map<string, SessionContext>();
  engine.useSession(({ message }) => message.text === 'start', options)(async (ctx) => {
    const mine: string[] = [];
    read.set(ctx.message.from, mine);
    contexts.set(ctx.message.from, ctx);
    for (;;) mine.push((await ctx.get()).text ?? '');
  });
  return { read, contexts };
}

/** Lets every handler take what it can: resolves once no get() can be served any more. */
async function settle(contexts: Map<string, SessionContext>): Promise<void> {
  for (let i = 0; i < 10_000 && [...contexts.values()].some((ctx) => ctx.stream.size > 0); i++) await Promise.resolve();
}

describe('the message streams\' hot path keeps the M-rules (STREAMS.md M1-M3, M9)', () => {
  let engine: SessionEngine | undefined;
  afterEach(() => engine?.close());

  describe('M3.1 the copy ctx.get resolves is the one structuredClone makes', () => {
    it('M3.1 a flat record is a new object with the same fields, so changing it changes no original', () => {
      const original = msg({ text: 'flat' });
      const copy = deepCopy(original);
      expect(copy).to.deep.equal(original);
      expect(copy).to.not.equal(original);
      (copy as { text?: string }).text = 'changed';
      expect(original.text).to.equal('flat');
    });

    it('M3.1 nested objects, class instances and symbol keys are copied as structuredClone copies them', () => {
      const nested = { a: { b: [1, 2] }, when: new Date(5) };
      const copy = deepCopy(nested);
      expect(copy).to.deep.equal(structuredClone(nested));
      expect(copy.a).to.not.equal(nested.a);
      class Point { constructor(readonly x: number) {} }
      expect(Object.getPrototypeOf(deepCopy(new Point(1)))).to.equal(Object.prototype);
      const marked = { text: 'x', [Symbol('tag')]: 1 };
      expect(Object.getOwnPropertySymbols(deepCopy(marked))).to.have.length(0);
      expect(deepCopy(marked)).to.deep.equal({ text: 'x' });
    });

    it('M3.1 a message structuredClone cannot copy makes ctx.get reject with its DataCloneError and is consumed', async () => {
      const t = setup();
      engine = t.engine;
      const outcome = deferred<unknown>();
      t.engine.useSession(({ message }) => message.text === 'start')(async (ctx) => {
        outcome.resolve(await ctx.get().catch((error: unknown) => error));
        outcome.resolve(await ctx.get());
      });
      t.send(msg({ text: 'start' }));
      t.send({ ...msg({ text: 'bad' }), notCloneable: () => 1 } as unknown as Message);
      expect((await outcome.promise) as Error).to.have.property('name', 'DataCloneError');
    });

    it('M3.1 ctx.get on a buffered message and on a waiting reader both resolve copies; stream.get the original', async () => {
      const stream = new MessageStream<Message>();
      const waiting = stream.getCopy();
      const first = msg();
      stream.push(first);
      const second = msg();
      stream.push(second);
      const third = msg();
      stream.push(third);
      const copies = [await waiting, await stream.getCopy()];
      expect(copies).to.deep.equal([first, second]);
      expect(copies[0]).to.not.equal(first);
      expect(copies[1]).to.not.equal(second);
      expect(await stream.get()).to.equal(third);
    });
  });

  describe('M3.3 / M9.1 bursts: every message once, in order, under back-pressure', () => {
    it('M3.3 a burst interleaved over 20 running handlers reaches each handler whole and in order', async () => {
      const t = setup();
      engine = t.engine;
      const { read, contexts } = readers(t.engine);
      for (let u = 0; u < 20; u++) t.send(msg({ from: `u${u}`, text: 'start' }));
      for (let n = 0; n < 50; n++) for (let u = 0; u < 20; u++) t.send(msg({ from: `u${u}`, text: `n${n}` }));
      await settle(contexts);
      const expected = Array.from({ length: 50 }, (_, n) => `n${n}`);
      for (let u = 0; u < 20; u++) expect(read.get(`u${u}`), `u${u}`).to.deep.equal(expected);
      expect(t.engine.stats()).to.include({ handlers: 20, pendingGets: 20, buffered: 0 });
    });

    it('M9.1 a burst over full buffers keeps the newest of each handler once, and reports each dropped one once', async () => {
      const t = setup({ bufferSize: 5 });
      engine = t.engine;
      const overflows = firstValueFrom(t.engine.errors$.pipe(take(3 * 14), toArray()));
      const { read, contexts } = readers(t.engine);
      for (let u = 0; u < 3; u++) t.send(msg({ from: `u${u}`, text: 'start' }));
      // the first message of each goes to its waiting get(); the next 19 meet a buffer of 5
      for (let n = 0; n < 20; n++) for (let u = 0; u < 3; u++) t.send(msg({ from: `u${u}`, text: `n${n}` }));
      const dropped = (await overflows) as StreamOverflowError[];
      await settle(contexts);
      for (let u = 0; u < 3; u++) expect(read.get(`u${u}`)).to.deep.equal(['n0', 'n15', 'n16', 'n17', 'n18', 'n19']);
      const droppedTexts = dropped.map((e) => `${(e.dropped as Message).from}:${(e.dropped as Message).text}`);
      expect(new Set(droppedTexts).size).to.equal(droppedTexts.length);
      expect(droppedTexts.filter((d) => d.startsWith('u0:'))).to.deep.equal(Array.from({ length: 14 }, (_, n) => `u0:n${n + 1}`));
    });

    it('M3.6 a timed-out get() between two others leaves the rest of the queue in call order', async () => {
      const scheduler = new VirtualTimeScheduler();
      const stream = new MessageStream<string>({ scheduler });
      const first = stream.get();
      const middle = stream.get(undefined, { timeout: 10 });
      const last = stream.get();
      const after = stream.get(undefined, { timeout: 20 });
      scheduler.maxFrames = 15;
      scheduler.flush();
      expect(await middle.catch((e: unknown) => e)).to.be.instanceOf(StreamTimeoutError);
      expect(stream.pendingGets).to.equal(3);
      for (const m of ['a', 'b', 'c']) stream.push(m);
      expect([await first, await last, await after]).to.deep.equal(['a', 'b', 'c']);
      expect(stream.pendingGets).to.equal(0);
      expect(stream.pendingTimers).to.equal(0);
    });
  });

  describe('M1.2 / M2.1 routing', () => {
    it('M1.2 a session manager no handler uses does no work: its idOf runs once a handler registers on it', async () => {
      const t = setup();
      engine = t.engine;
      let named = 0;
      t.engine.createSessionManager('counted', ({ message }: IncomingMessage) => {
        named++;
        return message.from;
      });
      t.engine.useSession(() => false)(async () => undefined);
      for (let n = 0; n < 10; n++) t.send(msg());
      expect(named).to.equal(0);
      const got = deferred<string>();
      t.engine.useSession(({ message }) => message.text === 'go', { identifier: 'counted' })(async (ctx) => {
        got.resolve(ctx.message.text ?? '');
      });
      t.send(msg({ text: 'go' }));
      expect(named).to.equal(1);
      expect(await got.promise).to.equal('go');
    });

    it('M2.1 a message a starting handler sends for its own id waits behind the trigger and goes into its stream (M9.4)', async () => {
      const t = setup();
      engine = t.engine;
      let starts = 0;
      const got = deferred<string[]>();
      t.engine.useSession(({ message }) => message.text?.startsWith('start') === true)(async (ctx) => {
        starts++;
        t.send(msg({ text: 'start again' })); // re-entrant, same id, matches the trigger too
        const texts = [(await ctx.get()).text ?? '', (await ctx.get()).text ?? ''];
        got.resolve(texts);
      });
      t.send(msg({ text: 'start' }));
      t.send(msg({ text: 'after' }));
      expect(await got.promise).to.deep.equal(['start again', 'after']);
      expect(starts).to.equal(1);
    });

    it('M2.2 sync verdicts judged before an async one count with it: the last registered matching handler wins', async () => {
      const t = setup();
      engine = t.engine;
      const started: string[] = [];
      const asked: string[] = [];
      const gate = deferred<boolean>();
      const trigger = (name: string, verdict: () => boolean | Promise<boolean>) => () => {
        asked.push(name);
        return verdict();
      };
      const handler = (name: string) => async () => void started.push(name);
      t.engine.useSession(trigger('a', () => true))(handler('a'));
      t.engine.useSession(trigger('b', () => gate.promise))(handler('b'));
      t.engine.useSession(trigger('c', () => false))(handler('c'));
      t.send(msg());
      expect(asked).to.deep.equal(['a', 'b', 'c']); // all asked at once, as before the async one answers
      gate.resolve(true);
      await t.engine.whenIdle();
      expect(started).to.deep.equal(['b']);
      asked.length = 0;
      t.send(msg({ from: 'bob' }));
      await t.engine.whenIdle();
      expect(asked).to.deep.equal(['a', 'b', 'c']);
      expect(started).to.deep.equal(['b', 'b']);
    });

    it('M2.2 a handler registered by a trigger while the message is judged is judged for it too, and wins as the last', async () => {
      const t = setup();
      engine = t.engine;
      const started: string[] = [];
      let added = false;
      t.engine.useSession(() => {
        if (!added) {
          added = true;
          t.engine.useSession(() => true)(async () => void started.push('added'));
        }
        return true;
      })(async () => void started.push('first'));
      t.send(msg());
      await t.engine.whenIdle();
      expect(started).to.deep.equal(['added']);
    });

    it('M9.4 the per-id queue runs a re-entrant task of the same key after the running one, another key at once', () => {
      const order: string[] = [];
      let idle = 0;
      const queue: KeyedSerialQueue<string, string> = new KeyedSerialQueue(
        (key, input) => {
          order.push(`${key}:${input}`);
          if (input === 'outer') {
            queue.run(key, 'inner');
            queue.run('other', 'nested');
            order.push(`${key}:outer done`);
          }
        },
        (error) => { throw error; },
        () => void idle++,
      );
      queue.run('k', 'outer');
      expect(order).to.deep.equal(['k:outer', 'other:nested', 'k:outer done', 'k:inner']);
      expect(queue.size).to.equal(0);
      expect(queue.pending).to.equal(0);
      expect(idle).to.be.greaterThan(0);
    });
  });
});
