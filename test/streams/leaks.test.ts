import { expect } from 'chai';
import { Subject } from 'rxjs';
import { SessionEngine, type IncomingMessage } from '../../application/streams/index.js';
import { msg } from '../support/streams.js';

const activeTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('MessageStream and SessionEngine leave nothing behind', () => {
  it('M3 after 2,000 sessions of every kind: no handler, stream, reader, timer, buffer or subscription is left', async () => {
    const source = new Subject<IncomingMessage>();
    const engine = new SessionEngine({ source$: source });
    const errors: Error[] = [];
    engine.errors$.subscribe((e) => errors.push(e));
    const text = (t: string) => (c: IncomingMessage) => c.message.text === t;
    engine.useSession(text('start'))(async (ctx) => { await ctx.get(undefined, { timeout: 60_000 }); });
    let started = 0;
    engine.useSession(text('free'))(async (ctx) => { started++; ctx.stream.free(); });
    engine.useSession(text('override'), { override: true })(async (ctx) => { await ctx.get((m) => m.text === 'y'); });
    engine.useSession(text('conc'), { concurrent: true, identifier: 'user' })(async (ctx) => {
      ctx.stream.messages$.subscribe();
      await ctx.get((m) => m.text === 'done', { timeout: 60_000 });
    });
    const send = (from: string, t: string) => source.next({ message: msg({ from, text: t }), account: 'bot' });
    // Each phase reaches every user before the next begins, so every kind of session really starts.
    const phases = [
      ['start', 'x'],                 // a normal session, answered
      ['conc', 'noise', 'done'],      // a concurrent one, observed and answered
      ['start', 'override', 'y'],     // a normal one closed by an override, which is answered
      ['free'],                       // one that frees its stream at once
    ];
    const round = async () => {
      for (const phase of phases) {
        for (let i = 0; i < 200; i++) for (const t of phase) send(`u${i}`, t);
        await engine.whenIdle();
      }
    };
    // A first round lets libraries create whatever timers they keep; a leak would grow with every round.
    await round();
    const timersBefore = activeTimers();
    await round();
    expect(engine.stats()).to.deep.equal({ handlers: 0, streams: 0, pendingGets: 0, timers: 0, buffered: 0, routing: 0 });
    expect(activeTimers()).to.equal(timersBefore);
    expect(started).to.equal(400);
    expect(errors).to.deep.equal([]);
    engine.close();
    expect(source.observed).to.equal(false);
  });
});
