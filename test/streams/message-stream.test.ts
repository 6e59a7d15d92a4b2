import { expect } from 'chai';
import { VirtualTimeScheduler, firstValueFrom, toArray } from 'rxjs';
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
import { msg, deferred, setup } from '../support/streams.js';

describe('MessageStream (STREAMS.md M3)', () => {
  let engine: SessionEngine | undefined;
  afterEach(() => engine?.close());

  it('M3.1 ctx.get resolves a deep copy: changing it affects no other handler', async () => {
    const t = setup();
    engine = t.engine;
    const gotA = deferred<Message>();
    const gotB = deferred<Message>();
    const isStart = ({ message }: IncomingMessage) => message.text === 'start';
    t.engine.useSession(isStart, { concurrent: true })(async (ctx) => {
      const m = (await ctx.get()) as { text?: string };
      m.text = 'changed by A';
      gotA.resolve(m as Message);
    });
    t.engine.useSession(isStart, { identifier: 'user' })(async (ctx) => {
      await gotA.promise;
      gotB.resolve(await ctx.get());
    });
    t.send(msg({ text: 'start' }));
    const original = msg({ text: 'hello' });
    t.send(original);
    const a = await gotA.promise;
    const b = await gotB.promise;
    expect(a.text).to.equal('changed by A');
    expect(b.text).to.equal('hello');
    expect(original.text).to.equal('hello');
    expect(b).to.not.equal(original);
    expect(b).to.deep.equal(original);
  });

  it('M3.1 ctx.get(filter) consumes and drops messages that fail the filter', async () => {
    const t = setup();
    engine = t.engine;
    const got = deferred<[Message, Message]>();
    t.engine.useSession(({ message }) => message.text === 'start')(async (ctx) => {
      const first = await ctx.get((m) => m.text === 'yes');
      const next = await ctx.get();
      got.resolve([first, next]);
    });
    t.send(msg({ text: 'start' }));
    t.send(msg({ text: 'no' }));
    t.send(msg({ text: 'yes' }));
    t.send(msg({ text: 'after' }));
    const [first, next] = await got.promise;
    expect(first.text).to.equal('yes');
    expect(next.text).to.equal('after');
  });

  it('M3.2 ctx.stream.get resolves the original object, shared with every other stream', async () => {
    const t = setup();
    engine = t.engine;
    const a = deferred<Message>();
    const b = deferred<Message>();
    t.engine.useSession(({ message }) => message.text === 'start')(async (ctx) => a.resolve(await ctx.stream.get()));
    t.engine.useSession(({ message }) => message.text === 'start', { identifier: 'user' })(async (ctx) =>
      b.resolve(await ctx.stream.get()),
    );
    t.send(msg({ text: 'start' }));
    const original = msg({ text: 'shared' });
    t.send(original);
    expect(await a.promise).to.equal(original);
    expect(await b.promise).to.equal(original);
  });

  it('M3.3 messages that arrive while nobody waits are buffered in order and served later', async () => {
    const stream = new MessageStream<number>();
    for (const n of [1, 2, 3]) stream.push(n);
    expect(stream.size).to.equal(3);
    expect([await stream.get(), await stream.get(), await stream.get()]).to.deep.equal([1, 2, 3]);
    expect(stream.size).to.equal(0);
  });

  it('M3.3 the buffer is bounded: the oldest is dropped and StreamOverflowError goes to errors$ (engine bufferSize)', async () => {
    const t = setup({ bufferSize: 2 });
    engine = t.engine;
    const errors: Error[] = [];
    t.engine.errors$.subscribe((e) => errors.push(e));
    let ctx: SessionContext | undefined;
    t.engine.useSession(({ message }) => message.text === 'start')((c) => {
      ctx = c;
      return new Promise(() => undefined);
    });
    t.send(msg({ text: 'start' }));
    t.send(msg({ text: 'a' }));
    t.send(msg({ text: 'b' }));
    t.send(msg({ text: 'c' }));
    expect(errors).to.have.length(1);
    expect(errors[0]).to.be.instanceOf(StreamOverflowError);
    expect((errors[0] as StreamOverflowError).bufferSize).to.equal(2);
    expect(((errors[0] as StreamOverflowError).dropped as Message).text).to.equal('a');
    expect((await ctx!.get()).text).to.equal('b');
    expect((await ctx!.get()).text).to.equal('c');
  });

  it('M3.3 per-handler bufferSize overrides the engine default (1000)', async () => {
    const t = setup();
    engine = t.engine;
    const errors: Error[] = [];
    t.engine.errors$.subscribe((e) => errors.push(e));
    const contexts: SessionContext[] = [];
    t.engine.useSession(({ message }) => message.text === 'start', { bufferSize: 1 })((c) => {
      contexts.push(c);
      return new Promise(() => undefined);
    });
    t.engine.useSession(({ message }) => message.text === 'start', { identifier: 'user' })((c) => {
      contexts.push(c);
      return new Promise(() => undefined);
    });
    t.send(msg({ text: 'start' }));
    for (let i = 0; i < 1001; i++) t.send(msg({ text: `n${i}` }));
    // the 1-message stream overflowed 1000 times, the default one (1000) once
    expect(errors.filter((e) => (e as StreamOverflowError).bufferSize === 1)).to.have.length(1000);
    expect(errors.filter((e) => (e as StreamOverflowError).bufferSize === 1000)).to.have.length(1);
    expect((await contexts[0]!.get()).text).to.equal('n1000');
    expect((await contexts[1]!.get()).text).to.equal('n1');
  });

  it('M3.4 waste() drops what is buffered and every later message until keep()', async () => {
    const stream = new MessageStream<number>();
    stream.push(1);
    stream.push(2);
    stream.waste();
    expect(stream.isWasting).to.equal(true);
    stream.push(3);
    expect(stream.size).to.equal(0);
    stream.keep();
    stream.push(4);
    expect(await stream.get()).to.equal(4);
  });

  it('M3.4 resume() and pause() are synonyms of waste() and keep()', async () => {
    const stream = new MessageStream<number>();
    stream.push(1);
    stream.resume();
    stream.push(2);
    expect(stream.size).to.equal(0);
    expect(stream.isWasting).to.equal(true);
    stream.pause();
    expect(stream.isWasting).to.equal(false);
    stream.push(3);
    expect(await stream.get()).to.equal(3);
  });

  it('M3.4 waste() works while a get() is pending: that get() waits for a message after keep()', async () => {
    const stream = new MessageStream<string>();
    const pending = stream.get();
    stream.waste();
    stream.push('wasted');
    expect(stream.pendingGets).to.equal(1);
    stream.keep();
    stream.push('kept');
    expect(await pending).to.equal('kept');
  });

  it('M3.5 free() rejects pending and later get() with StreamClosedError', async () => {
    const stream = new MessageStream<number>();
    const pending = stream.get();
    stream.free();
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(StreamClosedError);
    expect((error as StreamClosedError).reason).to.equal('free');
    const later = await stream.get().catch((e: unknown) => e);
    expect(later).to.be.instanceOf(StreamClosedError);
    stream.push(1);
    expect(stream.size).to.equal(0);
  });

  it('M3.5 free() releases the id: another normal handler starts on the next message', async () => {
    const t = setup();
    engine = t.engine;
    const starts: string[] = [];
    const second = deferred<Message>();
    t.engine.useSession(({ message }) => message.text === 'one')((ctx) => {
      starts.push('one');
      ctx.stream.free();
      return new Promise(() => undefined); // still running, but no longer holding the id
    });
    t.engine.useSession(({ message }) => message.text === 'two')(async (ctx) => {
      starts.push('two');
      second.resolve(ctx.message);
    });
    t.send(msg({ text: 'one' }));
    t.send(msg({ text: 'two' }));
    expect((await second.promise).text).to.equal('two');
    expect(starts).to.deep.equal(['one', 'two']);
  });

  it('M3.6 a timed-out get() rejects with StreamTimeoutError and leaves no reader behind', async () => {
    const stream = new MessageStream<string>();
    const error = await stream.get(undefined, { timeout: 1 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(StreamTimeoutError);
    expect((error as StreamTimeoutError).timeout).to.equal(1);
    expect(stream.pendingGets).to.equal(0);
    expect(stream.pendingTimers).to.equal(0);
    stream.push('next');
    expect(stream.size).to.equal(1);
    expect(await stream.get()).to.equal('next');
  });

  it("M3.6 a pending get()'s timer is cleared when it resolves", async () => {
    const stream = new MessageStream<string>();
    const pending = stream.get(undefined, { timeout: 60_000 });
    expect(stream.pendingTimers).to.equal(1);
    stream.push('in time');
    expect(await pending).to.equal('in time');
    expect(stream.pendingTimers).to.equal(0);
    expect(stream.pendingGets).to.equal(0);
  });

  it('M3.6 timeouts run on an injected scheduler (virtual time)', async () => {
    const scheduler = new VirtualTimeScheduler();
    const stream = new MessageStream<string>({ scheduler });
    const early = stream.get(undefined, { timeout: 500 });
    const late = stream.get(undefined, { timeout: 1500 });
    scheduler.maxFrames = 1000;
    scheduler.flush();
    expect(await early.catch((e: unknown) => e)).to.be.instanceOf(StreamTimeoutError);
    expect(stream.pendingGets).to.equal(1);
    stream.push('for late');
    expect(await late).to.equal('for late');
    expect(stream.pendingTimers).to.equal(0);
  });

  it('M3.7 messages$ sees every message entering the stream and consumes nothing', async () => {
    const stream = new MessageStream<number>();
    const all = firstValueFrom(stream.messages$.pipe(toArray()));
    stream.push(1);
    stream.waste();
    stream.push(2);
    stream.keep();
    stream.push(3);
    expect(await stream.get()).to.equal(3);
    stream.free();
    expect(await all).to.deep.equal([1, 2, 3]);
  });

  it('M3.7 ctx.stream.messages$ observes a handler stream without taking its messages', async () => {
    const t = setup();
    engine = t.engine;
    const observed: string[] = [];
    const got = deferred<Message[]>();
    t.engine.useSession(({ message }) => message.text === 'start')(async (ctx) => {
      ctx.stream.messages$.subscribe((m) => observed.push(m.text ?? ''));
      got.resolve([await ctx.get(), await ctx.get()]);
    });
    t.send(msg({ text: 'start' }));
    t.send(msg({ text: 'x' }));
    t.send(msg({ text: 'y' }));
    const [x, y] = await got.promise;
    expect([x.text, y.text]).to.deep.equal(['x', 'y']);
    expect(observed).to.deep.equal(['x', 'y']);
  });

  it('M3 errors are exported classes whose .name is the class name', () => {
    expect(new StreamClosedError('free').name).to.equal('StreamClosedError');
    expect(new StreamTimeoutError(5).name).to.equal('StreamTimeoutError');
    expect(new StreamOverflowError(3, 1).name).to.equal('StreamOverflowError');
    expect(new StreamTimeoutError(5)).to.be.instanceOf(Error);
  });

  it('M3.1 get(filter) with an async filter: later messages wait behind the one being decided', async () => {
    const stream = new MessageStream<number>();
    const gate = deferred<boolean>();
    const got = stream.get((n) => (n === 1 ? gate.promise : n === 3));
    stream.push(1);
    stream.push(2);
    stream.push(3);
    expect(stream.size).to.equal(3);
    gate.resolve(false);
    expect(await got).to.equal(3);
    expect(stream.size).to.equal(0);
  });

  it('M3.1 with several pending get()s a message one filter refuses is offered to the next, in call order', async () => {
    const stream = new MessageStream<number>();
    const evens = stream.get((n) => n % 2 === 0);
    const any = stream.get();
    stream.push(1);
    stream.push(2);
    expect(await any).to.equal(1);
    expect(await evens).to.equal(2);
  });
});
