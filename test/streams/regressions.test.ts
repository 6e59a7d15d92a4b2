import { expect } from 'chai';
import { Subject, firstValueFrom, take, toArray } from 'rxjs';
import type { Message } from '../../domain/message.js';
import {
  MessageStream,
  SessionEngine,
  StreamClosedError,
  StreamOverflowError,
  StreamTimeoutError,
  type IncomingMessage,
  type SessionContext,
} from '../../application/streams/index.js';
import { msg, deferred } from '../support/streams.js';

function setup(options: { bufferSize?: number } = {}) {
  const source = new Subject<IncomingMessage>();
  const engine = new SessionEngine({ source$: source, ...options });
  const send = (message: Message) => source.next({ message, account: 'bot' });
  return { source, engine, send };
}

/** Starts one normal handler on 'start' and hands its context out without reading anything. */
function holdContext(engine: SessionEngine, options: { override?: boolean; trigger?: string } = {}) {
  const ctx = deferred<SessionContext>();
  const release = deferred();
  engine.useSession(({ message }) => message.text === (options.trigger ?? 'start'), { override: options.override })(async (c) => {
    ctx.resolve(c);
    await release.promise;
  });
  return { ctx: ctx.promise, release: release.resolve };
}

describe('Ion.js defects ruled out (STREAMS.md M9)', () => {
  let engine: SessionEngine | undefined;
  afterEach(() => engine?.close());

  it('M9.1 a message is delivered exactly once when the stream is under back-pressure (full buffer)', async () => {
    const t = setup({ bufferSize: 3 });
    engine = t.engine;
    const overflows = firstValueFrom(t.engine.errors$.pipe(take(2), toArray()));
    const held = holdContext(t.engine);
    t.send(msg({ text: 'start' }));
    const ctx = await held.ctx;
    const entered = firstValueFrom(ctx.stream.messages$.pipe(take(6), toArray()));
    for (const n of [1, 2, 3, 4, 5]) t.send(msg({ text: `n${n}` }));
    const dropped = (await overflows) as StreamOverflowError[];
    expect(dropped.map((e) => (e.dropped as Message).text)).to.deep.equal(['n1', 'n2']);
    const read: string[] = [];
    for (let i = 0; i < 3; i++) read.push((await ctx.get()).text ?? '');
    expect(ctx.stream.size).to.equal(0);
    const fourth = ctx.get();
    t.send(msg({ text: 'n6' }));
    read.push((await fourth).text ?? '');
    expect(read).to.deep.equal(['n3', 'n4', 'n5', 'n6']);
    expect((await entered).map((m) => m.text)).to.deep.equal(['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    expect(t.engine.stats().buffered).to.equal(0);
  });

  it('M9.1 a burst read after the fact yields every message once, in order', async () => {
    const t = setup();
    engine = t.engine;
    const held = holdContext(t.engine);
    t.send(msg({ text: 'start' }));
    const ctx = await held.ctx;
    for (let n = 0; n < 1000; n++) t.send(msg({ text: `n${n}` }));
    const read: string[] = [];
    for (let n = 0; n < 1000; n++) read.push((await ctx.stream.get()).text ?? '');
    expect(read).to.deep.equal(Array.from({ length: 1000 }, (_, n) => `n${n}`));
    expect(ctx.stream.size).to.equal(0);
  });

  it('M9.2 refused messages and timed-out gets add no reader, timer or listener', async () => {
    const t = setup();
    engine = t.engine;
    const held = holdContext(t.engine);
    t.send(msg({ text: 'start' }));
    const ctx = await held.ctx;
    const pending = ctx.get((m) => m.text === 'yes', { timeout: 60_000 });
    for (let n = 0; n < 500; n++) t.send(msg({ text: 'no' }));
    expect(t.engine.stats()).to.deep.include({ streams: 1, pendingGets: 1, timers: 1, buffered: 0 });
    t.send(msg({ text: 'yes' }));
    expect((await pending).text).to.equal('yes');
    expect(t.engine.stats()).to.deep.include({ pendingGets: 0, timers: 0 });
    for (let n = 0; n < 50; n++) {
      expect(await ctx.get(undefined, { timeout: 0 }).catch((e: unknown) => e)).to.be.instanceOf(StreamTimeoutError);
    }
    expect(t.engine.stats()).to.deep.include({ pendingGets: 0, timers: 0, buffered: 0 });
    expect(t.source.observed).to.equal(true);
  });

  it('M9.3 an overridden handler that finishes does not delete the stream of the handler that replaced it', async () => {
    const t = setup();
    engine = t.engine;
    const oldDone = deferred<unknown>();
    t.engine.useSession(({ message }) => message.text === 'start')(async (ctx) => {
      oldDone.resolve(await ctx.get().catch((e: unknown) => e)); // returns after being overridden
    });
    const replacing = holdContext(t.engine, { override: true, trigger: 'boss' });
    t.send(msg({ text: 'start' }));
    t.send(msg({ text: 'boss' }));
    const closed = await oldDone.promise;
    expect(closed).to.be.instanceOf(StreamClosedError);
    const ctx = await replacing.ctx;
    // the old handler has returned and freed its (already closed) stream: the new one must survive
    expect(ctx.stream.closed).to.equal(false);
    expect(t.engine.stats()).to.deep.include({ streams: 1, handlers: 1 });
    t.send(msg({ text: 'start' })); // would start the normal handler again if the id had been released
    expect((await ctx.get()).text).to.equal('start');
    expect(t.engine.stats()).to.deep.include({ streams: 1, handlers: 1 });
  });

  it('M9.4 two quick trigger messages for one id start one normal handler (async trigger)', async () => {
    const t = setup();
    engine = t.engine;
    let starts = 0;
    const second = deferred<Message>();
    t.engine.useSession(async ({ message }) => message.text === 'start')(async (ctx) => {
      starts++;
      second.resolve(await ctx.get());
    });
    t.send(msg({ text: 'start', idClient: 'first' }));
    t.send(msg({ text: 'start', idClient: 'second' }));
    expect((await second.promise).idClient).to.equal('second');
    await t.engine.whenIdle();
    expect(starts).to.equal(1);
  });

  it('M9.4 two quick trigger messages start one handler even when the first trigger check is the slower one', async () => {
    const t = setup();
    engine = t.engine;
    const gates = [deferred<boolean>(), deferred<boolean>()];
    let judged = 0;
    let starts = 0;
    const next = deferred<Message>();
    t.engine.useSession(() => gates[judged++]!.promise)(async (ctx) => {
      starts++;
      next.resolve(await ctx.get());
    });
    t.send(msg({ text: 'start' }));
    t.send(msg({ text: 'start again' }));
    expect(judged).to.equal(1); // the second message waits for the first's trigger
    gates[0]!.resolve(true);
    expect((await next.promise).text).to.equal('start again');
    expect(judged).to.equal(1); // and then goes into the running stream without a trigger check
    expect(starts).to.equal(1);
  });

  it('M9.5 a timed-out get() does not swallow the next message', async () => {
    const t = setup();
    engine = t.engine;
    const held = holdContext(t.engine);
    t.send(msg({ text: 'start' }));
    const ctx = await held.ctx;
    expect(await ctx.get(undefined, { timeout: 1 }).catch((e: unknown) => e)).to.be.instanceOf(StreamTimeoutError);
    expect(t.engine.stats()).to.deep.include({ pendingGets: 0, timers: 0 });
    t.send(msg({ text: 'next' }));
    expect(t.engine.stats().buffered).to.equal(1);
    expect((await ctx.get()).text).to.equal('next');
  });

  it('M9.5 a timed-out get() does not swallow the message its async filter was still deciding', async () => {
    const stream = new MessageStream<string>();
    const verdict = deferred<boolean>();
    const timedOut = stream.get(() => verdict.promise, { timeout: 1 });
    stream.push('next');
    expect(await timedOut.catch((e: unknown) => e)).to.be.instanceOf(StreamTimeoutError);
    verdict.resolve(true); // a late yes from a reader that left does not count
    expect(await stream.get()).to.equal('next');
  });

  it('M9.6 waste() while a get() is pending drops messages until keep()', async () => {
    const t = setup();
    engine = t.engine;
    const held = holdContext(t.engine);
    t.send(msg({ text: 'start' }));
    const ctx = await held.ctx;
    const pending = ctx.get();
    ctx.stream.waste();
    t.send(msg({ text: 'wasted 1' }));
    t.send(msg({ text: 'wasted 2' }));
    expect(t.engine.stats()).to.deep.include({ pendingGets: 1, buffered: 0 });
    ctx.stream.keep();
    t.send(msg({ text: 'kept' }));
    expect((await pending).text).to.equal('kept');
  });
});
