import { expect } from 'chai';
import { Subject, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import type { Message } from '../../domain/message.js';
import {
  SessionEngine,
  StreamClosedError,
  defaultIdOf,
  groupIdOf,
  userIdOf,
  type IncomingMessage,
  type SessionContext,
} from '../../application/streams/index.js';
import { msg, deferred } from '../support/streams.js';

const text =
  (wanted: string) =>
  ({ message }: IncomingMessage): boolean =>
    message.text === wanted;

const forever = () => new Promise<never>(() => undefined);

function setup(options: { reply?: (ctx: SessionContext, text: string) => Promise<unknown> } = {}) {
  const source = new Subject<IncomingMessage>();
  const engine = new SessionEngine({ source$: source, ...options });
  const send = (message: Message, account = 'bot') => source.next({ message, account });
  return { source, engine, send };
}

describe('SessionEngine (STREAMS.md M1, M2, M4.1)', () => {
  let engine: SessionEngine | undefined;
  afterEach(() => engine?.close());

  describe('M1 context and identifiers', () => {
    it('M1.1 ctx has message, account, get, stream and reply', async () => {
      const t = setup();
      engine = t.engine;
      const seen = deferred<SessionContext>();
      t.engine.useSession(text('hi'))((ctx) => seen.resolve(ctx));
      const trigger = msg({ text: 'hi' });
      t.send(trigger, 'bot-1');
      const ctx = await seen.promise;
      expect(ctx.message).to.deep.equal(trigger);
      expect(ctx.account).to.equal('bot-1');
      expect(ctx.get).to.be.a('function');
      expect(ctx.reply).to.be.a('function');
      expect(ctx.stream.get).to.be.a('function');
      expect(ctx.stream.closed).to.equal(true); // the handler returned: its stream is freed
    });

    it('M1.2 default id is `${from}message/${scene}${unionId}`: team id for teams, sender for p2p', () => {
      const p2p = msg({ scene: 'p2p', from: '114514', to: 'bot' });
      const team = msg({ scene: 'team', from: '114514', to: '1919810' });
      const superTeam = msg({ scene: 'superTeam', from: '114514', to: '42' });
      expect(defaultIdOf({ message: p2p, account: 'bot' })).to.equal('114514message/p2p114514');
      expect(defaultIdOf({ message: team, account: 'bot' })).to.equal('114514message/team1919810');
      expect(defaultIdOf({ message: superTeam, account: 'bot' })).to.equal('114514message/superTeam42');
    });

    it('M1.2 default: one sender in one team is one session; the same sender elsewhere is another', async () => {
      const t = setup();
      engine = t.engine;
      const got = deferred<Message>();
      t.engine.useSession(text('start'))(async (ctx) => got.resolve(await ctx.get()));
      t.send(msg({ scene: 'team', to: 't1', text: 'start' }));
      t.send(msg({ scene: 'team', to: 't2', text: 'other team' }));
      t.send(msg({ scene: 'p2p', text: 'p2p' }));
      t.send(msg({ scene: 'team', to: 't1', from: 'bob', text: 'other sender' }));
      t.send(msg({ scene: 'team', to: 't1', text: 'mine' }));
      expect((await got.promise).text).to.equal('mine');
    });

    it('M1.2 group: the team id; a p2p message reaches no group handler', async () => {
      expect(groupIdOf({ message: msg({ scene: 'p2p' }), account: 'bot' })).to.equal(undefined);
      expect(groupIdOf({ message: msg({ scene: 'team', to: 't9' }), account: 'bot' })).to.equal('t9');
      const t = setup();
      engine = t.engine;
      const starts: string[] = [];
      const got = deferred<Message>();
      t.engine.useSession(() => true, { identifier: 'group' })(async (ctx) => {
        starts.push(ctx.message.text ?? '');
        got.resolve(await ctx.get());
      });
      t.send(msg({ scene: 'p2p', text: 'p2p' }));
      t.send(msg({ scene: 'team', to: 't9', from: 'alice', text: 'start' }));
      t.send(msg({ scene: 'team', to: 't9', from: 'bob', text: 'bob in t9' }));
      expect((await got.promise).text).to.equal('bob in t9');
      expect(starts).to.deep.equal(['start']);
    });

    it('M1.2 user: the sender, across scenes', async () => {
      expect(userIdOf({ message: msg({ from: 'carol' }), account: 'bot' })).to.equal('carol');
      const t = setup();
      engine = t.engine;
      const got = deferred<Message>();
      t.engine.useSession(text('start'), { identifier: 'user' })(async (ctx) => got.resolve(await ctx.get()));
      t.send(msg({ scene: 'p2p', from: 'carol', text: 'start' }));
      t.send(msg({ scene: 'team', to: 't1', from: 'dave', text: 'not carol' }));
      t.send(msg({ scene: 'team', to: 't1', from: 'carol', text: 'carol in a team' }));
      expect((await got.promise).text).to.equal('carol in a team');
    });

    it('M1.2 custom: createSessionManager(name, idOf); undefined means not for this manager', async () => {
      const t = setup();
      engine = t.engine;
      t.engine.createSessionManager('by-type', ({ message }) => (message.type === 'custom' ? undefined : message.type));
      const starts: string[] = [];
      const got = deferred<Message>();
      t.engine.useSession(() => true, { identifier: 'by-type' })(async (ctx) => {
        starts.push(ctx.message.type);
        got.resolve(await ctx.get());
      });
      t.send(msg({ type: 'custom', text: 'ignored' }));
      t.send(msg({ type: 'image', from: 'x', text: 'start' }));
      t.send(msg({ type: 'image', from: 'y', text: 'same type' }));
      expect((await got.promise).text).to.equal('same type');
      expect(starts).to.deep.equal(['image']);
      expect(() => t.engine.createSessionManager('by-type', () => 'x')).to.throw(/exists already/);
    });

    it('M1.2 custom async idOf: messages keep the source order even when ids resolve out of order', async () => {
      const t = setup();
      engine = t.engine;
      const ids = [deferred<string>(), deferred<string>()];
      let call = 0;
      t.engine.createSessionManager('slow', () => ids[call++]!.promise);
      const got = deferred<[string, string]>();
      t.engine.useSession(text('first'), { identifier: 'slow' })(async (ctx) =>
        got.resolve([ctx.message.text ?? '', (await ctx.get()).text ?? '']),
      );
      t.send(msg({ text: 'first' }));
      t.send(msg({ text: 'second' }));
      ids[1]!.resolve('room');
      ids[0]!.resolve('room');
      expect(await got.promise).to.deep.equal(['first', 'second']);
    });

    it('M1.3 the trigger may be async', async () => {
      const t = setup();
      engine = t.engine;
      const seen = deferred<string>();
      t.engine.useSession(async ({ message }) => message.text === 'go')((ctx) => seen.resolve(ctx.message.text ?? ''));
      t.send(msg({ text: 'no' }));
      t.send(msg({ text: 'go' }));
      expect(await seen.promise).to.equal('go');
    });

    it('M1.3 giving both concurrent and override throws at registration', () => {
      const t = setup();
      engine = t.engine;
      expect(() => t.engine.useSession(() => true, { concurrent: true, override: true })).to.throw(/choose one/);
      expect(() => t.engine.useSession(() => true, { identifier: 'nope' })).to.throw(/createSessionManager\('nope'/);
      expect(() => t.engine.useSession(() => true, { bufferSize: 0 })).to.throw(RangeError);
    });

    it('M1.3 useSession(...)(handler) returns an unregister function', async () => {
      const t = setup();
      engine = t.engine;
      const starts: string[] = [];
      const unregister = t.engine.useSession(() => true)((ctx) => void starts.push(ctx.message.text ?? ''));
      t.send(msg({ text: 'a' }));
      unregister();
      t.send(msg({ text: 'b' }));
      expect(starts).to.deep.equal(['a']);
    });

    it('M1.3 unregistering stops new starts; running instances, concurrent ones included, keep their messages', async () => {
      const t = setup();
      engine = t.engine;
      const starts: string[] = [];
      const normal = deferred<Message>();
      const concurrent = deferred<Message>();
      const offNormal = t.engine.useSession(text('start'))(async (ctx) => {
        starts.push('normal');
        normal.resolve(await ctx.get());
      });
      const offConcurrent = t.engine.useSession(text('start'), { concurrent: true })(async (ctx) => {
        starts.push('concurrent');
        concurrent.resolve(await ctx.get());
      });
      t.send(msg({ text: 'start' }));
      offNormal();
      offConcurrent();
      offConcurrent();
      t.send(msg({ text: 'start', from: 'bob' })); // would start both again for bob's id
      t.send(msg({ text: 'still mine' }));
      expect((await normal.promise).text).to.equal('still mine');
      expect((await concurrent.promise).text).to.equal('still mine');
      expect(starts).to.deep.equal(['normal', 'concurrent']);
      await t.engine.whenIdle();
      t.send(msg({ text: 'start' }));
      expect(starts).to.deep.equal(['normal', 'concurrent']);
    });
  });

  describe('M2 which handler runs', () => {
    it('M2.1 while a normal handler runs, messages of its id go into its stream even if they match another trigger', async () => {
      const t = setup();
      engine = t.engine;
      const starts: string[] = [];
      const got = deferred<Message>();
      t.engine.useSession(text('a'))(async (ctx) => {
        starts.push('a');
        got.resolve(await ctx.get());
      });
      t.engine.useSession(text('b'))(() => void starts.push('b'));
      t.send(msg({ text: 'a' }));
      t.send(msg({ text: 'b' }));
      expect((await got.promise).text).to.equal('b');
      expect(starts).to.deep.equal(['a']);
    });

    it('M2.2 the last registered matching normal handler wins; get() returns the messages after the trigger', async () => {
      const t = setup();
      engine = t.engine;
      const starts: string[] = [];
      const got = deferred<Message>();
      t.engine.useSession(() => true)(() => void starts.push('first'));
      t.engine.useSession(text('nope'))(() => void starts.push('not matching'));
      t.engine.useSession(() => true)(async (ctx) => {
        starts.push(`last:${ctx.message.text}`);
        got.resolve(await ctx.get());
      });
      t.engine.useSession(text('nope'))(() => void starts.push('not matching either'));
      t.send(msg({ text: 'trigger' }));
      t.send(msg({ text: 'after' }));
      expect((await got.promise).text).to.equal('after');
      expect(starts).to.deep.equal(['last:trigger']);
    });

    it('M2.2 with no normal handler running for the id, a message starts nothing when no trigger matches', () => {
      const t = setup();
      engine = t.engine;
      t.engine.useSession(text('a'))(forever);
      t.send(msg({ text: 'b' }));
      expect(t.engine.stats()).to.deep.include({ handlers: 0, streams: 0 });
    });

    it('M2.3 concurrent handlers start whether or not others run; one instance per (handler, id)', async () => {
      const t = setup();
      engine = t.engine;
      const starts: string[] = [];
      const normal = deferred<Message>();
      const concurrent = deferred<Message[]>();
      t.engine.useSession(text('go'))(async (ctx) => {
        starts.push('normal');
        normal.resolve(await ctx.get());
      });
      t.engine.useSession(text('go'), { concurrent: true })(async (ctx) => {
        starts.push(`concurrent:${ctx.message.from}`);
        concurrent.resolve([await ctx.get(), await ctx.get()]);
      });
      t.send(msg({ text: 'go' }));
      t.send(msg({ text: 'go', from: 'bob' })); // another id: a second concurrent instance
      t.send(msg({ text: 'go' })); // same id: into the running instance's stream, no new instance
      t.send(msg({ text: 'more' }));
      const [a, b] = await concurrent.promise;
      expect([a.text, b.text]).to.deep.equal(['go', 'more']);
      expect((await normal.promise).text).to.equal('go');
      // bob's "go" is another default id, so it starts the normal handler there as well
      expect(starts).to.deep.equal(['normal', 'concurrent:alice', 'normal', 'concurrent:bob']);
    });

    it('M2.4 override closes the running normal stream with StreamClosedError and becomes the running normal handler', async () => {
      const t = setup();
      engine = t.engine;
      const closed = deferred<unknown>();
      const overriding = deferred<Message>();
      const starts: string[] = [];
      t.engine.useSession(text('normal'))(async (ctx) => {
        starts.push('normal');
        await ctx.get().catch((e: unknown) => closed.resolve(e));
      });
      t.engine.useSession(text('boss'), { override: true })(async (ctx) => {
        starts.push('override');
        overriding.resolve(await ctx.get());
      });
      t.send(msg({ text: 'normal' }));
      t.send(msg({ text: 'boss' }));
      const error = await closed.promise;
      expect(error).to.be.instanceOf(StreamClosedError);
      expect((error as StreamClosedError).reason).to.equal('override');
      t.send(msg({ text: 'normal' })); // the override handler is the running one: no new normal start
      expect((await overriding.promise).text).to.equal('normal');
      expect(starts).to.deep.equal(['normal', 'override']);
    });

    it('M2.4 an override starts when no normal handler runs, too', async () => {
      const t = setup();
      engine = t.engine;
      const seen = deferred<string>();
      t.engine.useSession(text('boss'), { override: true })((ctx) => seen.resolve(ctx.message.text ?? ''));
      t.send(msg({ text: 'boss' }));
      expect(await seen.promise).to.equal('boss');
    });

    it('M2.5 one message feeds several streams at once (one per generator, plus concurrent handlers)', async () => {
      const t = setup();
      engine = t.engine;
      const got: Promise<Message>[] = [];
      const register = (options: { identifier?: string; concurrent?: boolean }) => {
        const d = deferred<Message>();
        got.push(d.promise);
        t.engine.useSession(text('start'), options)(async (ctx) => d.resolve(await ctx.get()));
      };
      register({});
      register({ identifier: 'user' });
      register({ identifier: 'group' });
      register({ concurrent: true });
      register({ identifier: 'user', concurrent: true });
      t.send(msg({ scene: 'team', to: 't1', text: 'start' }));
      const shared = msg({ scene: 'team', to: 't1', text: 'to everyone' });
      t.send(shared);
      const results = await Promise.all(got);
      expect(results.map((m) => m.text)).to.deep.equal(Array(5).fill('to everyone'));
    });

    it('M2.6 a returning handler frees its stream and releases its id', async () => {
      const t = setup();
      engine = t.engine;
      const starts: string[] = [];
      const streams: Promise<SessionContext['stream']>[] = [];
      const first = deferred<SessionContext['stream']>();
      const second = deferred<SessionContext['stream']>();
      streams.push(first.promise, second.promise);
      t.engine.useSession(() => true)(async (ctx) => {
        starts.push(ctx.message.text ?? '');
        (starts.length === 1 ? first : second).resolve(ctx.stream);
      });
      t.send(msg({ text: 'one' }));
      const stream = await first.promise;
      // messages$ completes when the stream closes: wait on that, not on time
      await lastValueFrom(stream.messages$, { defaultValue: undefined });
      expect(stream.closeReason).to.equal('free');
      t.send(msg({ text: 'two' }));
      await lastValueFrom((await second.promise).messages$, { defaultValue: undefined });
      expect(starts).to.deep.equal(['one', 'two']);
      await t.engine.whenIdle();
      expect(t.engine.stats()).to.deep.equal({ handlers: 0, streams: 0, pendingGets: 0, timers: 0, buffered: 0, routing: 0 });
    });

    it('M2.6 a thrown error goes to errors$, frees the stream, and never stops other handlers', async () => {
      const t = setup();
      engine = t.engine;
      const boom = new Error('boom');
      const reported = firstValueFrom(t.engine.errors$);
      const other = deferred<Message>();
      t.engine.useSession(text('start'))(async (ctx) => {
        await ctx.get();
        throw boom;
      });
      t.engine.useSession(text('start'), { concurrent: true })(async (ctx) => {
        await ctx.get();
        other.resolve(await ctx.get());
      });
      t.send(msg({ text: 'start' }));
      t.send(msg({ text: 'first' }));
      expect(await reported).to.equal(boom);
      expect(t.engine.stats().streams).to.equal(1);
      t.send(msg({ text: 'second' }));
      expect((await other.promise).text).to.equal('second');
    });

    it('M2.6 a synchronous throw is reported too, and logged (a process warning, no logger given) when nobody subscribes to errors$', async () => {
      const t = setup();
      engine = t.engine;
      const logged = deferred<Error>();
      const onWarning = (warning: Error) => logged.resolve(warning);
      process.on('warning', onWarning);
      try {
        t.engine.useSession(() => true)(() => {
          throw new Error('sync boom');
        });
        t.send(msg());
        expect((await logged.promise).message).to.equal('sync boom');
      } finally {
        process.off('warning', onWarning);
      }
      expect(t.engine.stats().streams).to.equal(0);
    });

    it('M2.6 trigger and identifier errors are reported on errors$, not swallowed', async () => {
      const t = setup();
      engine = t.engine;
      const errors = firstValueFrom(t.engine.errors$.pipe(take(2), toArray()));
      t.engine.createSessionManager('broken', () => {
        throw new Error('bad id');
      });
      t.engine.useSession(() => true, { identifier: 'broken' })(forever); // a manager no handler uses names nothing
      t.engine.useSession(async () => {
        throw new Error('bad trigger');
      })(forever);
      t.send(msg());
      expect((await errors).map((e) => e.message)).to.have.members(['bad id', 'bad trigger']);
    });
  });

  describe('M4.1 (engine side) ctx.reply', () => {
    it('M4.1 (engine side) ctx.reply(text) calls reply(ctx, text) and resolves its result', async () => {
      const calls: [SessionContext, string][] = [];
      const t = setup({
        reply: async (ctx, replyText) => {
          calls.push([ctx, replyText]);
          return { sent: replyText };
        },
      });
      engine = t.engine;
      const result = deferred<unknown>();
      const seen = deferred<SessionContext>();
      t.engine.useSession(text('ping'))(async (ctx) => {
        seen.resolve(ctx);
        result.resolve(await ctx.reply('pong'));
      });
      t.send(msg({ text: 'ping' }));
      expect(await result.promise).to.deep.equal({ sent: 'pong' });
      expect(calls).to.have.length(1);
      expect(calls[0]![0]).to.equal(await seen.promise);
      expect(calls[0]![1]).to.equal('pong');
    });

    it('M4.1 (engine side) without a reply function ctx.reply rejects with a clear error', async () => {
      const t = setup();
      engine = t.engine;
      const result = deferred<unknown>();
      t.engine.useSession(() => true)(async (ctx) => result.resolve(await ctx.reply('x').catch((e: unknown) => e)));
      t.send(msg());
      const error = (await result.promise) as Error;
      expect(error).to.be.instanceOf(Error);
      expect(error.message).to.match(/new SessionEngine\(\{ source\$, reply \}\)/);
    });

    it('M4.1 (engine side) a reply function that throws synchronously makes ctx.reply reject', async () => {
      const t = setup({
        reply: () => {
          throw new Error('bus down');
        },
      });
      engine = t.engine;
      const result = deferred<unknown>();
      t.engine.useSession(() => true)(async (ctx) => result.resolve(await ctx.reply('x').catch((e: unknown) => e)));
      t.send(msg());
      expect(((await result.promise) as Error).message).to.equal('bus down');
    });
  });

  describe('engine lifecycle', () => {
    it('close() stops reading source$, rejects pending get() with StreamClosedError, completes errors$', async () => {
      const t = setup();
      engine = t.engine;
      const closed = deferred<unknown>();
      const handlerDone = deferred();
      t.engine.useSession(() => true)(async (ctx) => {
        try {
          await ctx.get();
        } catch (e) {
          closed.resolve(e);
          throw e; // the engine ended it: not reported as a fault
        } finally {
          handlerDone.resolve();
        }
      });
      const errors = firstValueFrom(t.engine.errors$.pipe(toArray()));
      t.send(msg());
      expect(t.engine.stats()).to.deep.include({ handlers: 1, streams: 1, pendingGets: 1 });
      t.engine.close();
      const error = await closed.promise;
      expect(error).to.be.instanceOf(StreamClosedError);
      expect((error as StreamClosedError).reason).to.equal('close');
      expect(await errors).to.deep.equal([]);
      expect(t.source.observed).to.equal(false);
      await handlerDone.promise;
      await t.engine.whenIdle();
      expect(t.engine.stats()).to.deep.equal({ handlers: 0, streams: 0, pendingGets: 0, timers: 0, buffered: 0, routing: 0 });
      expect(() => t.engine.useSession(() => true)(forever)).to.throw(/closed/);
    });

    it('a handler that closes the engine while a message is routed leaves nothing behind', async () => {
      const t = setup();
      engine = t.engine;
      t.engine.useSession(() => true)(() => t.engine.close());
      t.engine.useSession(() => true, { concurrent: true })(forever);
      t.send(msg());
      await t.engine.whenIdle();
      expect(t.engine.closed).to.equal(true);
      expect(t.engine.stats()).to.deep.equal({ handlers: 0, streams: 0, pendingGets: 0, timers: 0, buffered: 0, routing: 0 });
    });

    it('when source$ completes, buffered messages are still served, then get() rejects with StreamClosedError', async () => {
      const t = setup();
      engine = t.engine;
      const results = deferred<unknown[]>();
      t.engine.useSession(() => true)(async (ctx) => {
        await Promise.resolve(); // read only after the source completed
        const got: unknown[] = [(await ctx.get()).text];
        got.push(await ctx.get().catch((e: unknown) => e));
        results.resolve(got);
      });
      t.send(msg({ text: 'start' }));
      t.send(msg({ text: 'buffered' }));
      t.source.complete();
      const [first, second] = await results.promise;
      expect(first).to.equal('buffered');
      expect(second).to.be.instanceOf(StreamClosedError);
      expect((second as StreamClosedError).reason).to.equal('end');
    });

    it('per-id order does not serialise unrelated ids behind a slow trigger', async () => {
      const t = setup();
      engine = t.engine;
      const gate = deferred<boolean>();
      const started: string[] = [];
      const bobStarted = deferred();
      const aliceStarted = deferred();
      t.engine.useSession(({ message }) => (message.from === 'alice' ? gate.promise : true))((ctx) => {
        started.push(ctx.message.from);
        (ctx.message.from === 'bob' ? bobStarted : aliceStarted).resolve();
      });
      t.send(msg({ from: 'alice' }));
      t.send(msg({ from: 'bob' }));
      await bobStarted.promise;
      expect(started).to.deep.equal(['bob']);
      expect(t.engine.stats().routing).to.equal(1);
      gate.resolve(true);
      await aliceStarted.promise;
      expect(started).to.deep.equal(['bob', 'alice']);
    });
  });
});
