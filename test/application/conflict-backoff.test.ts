import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Decider } from '../../domain/decider.js';
import { ConcurrencyError } from '../../application/errors.js';
import { CommandHandler, backoffDelay, type RetryPolicy } from '../../application/write/command-handler.js';
import type { EventStore } from '../../application/ports/event-store.js';
import { MemoryEventStore } from '../../infrastructure/store/memory/memory-store.js';

type Counted = { type: 'Counted'; data: { by: string } };
const counter: Decider<{ type: 'Count'; by: string }, Counted, number> = {
  decide: (command) => [{ type: 'Counted', data: { by: command.by } }],
  evolve: (state) => state + 1,
  initialState: () => 0,
};

/** `inner`, where another writer appends to `stream` right before each of the first `wins` appends, which then conflict. */
function contended(inner: EventStore, wins: number): EventStore & { readonly won: number } {
  let won = 0;
  return new Proxy(inner, {
    get(target, key) {
      if (key === 'won') return won;
      const value = Reflect.get(target, key, target);
      if (key !== 'appendToStream') return typeof value === 'function' ? value.bind(target) : value;
      return async (stream: string, ...rest: unknown[]) => {
        if (won < wins) {
          won++;
          await target.appendToStream(stream, [{ id: randomUUID(), type: 'Counted', data: { by: 'other' }, metadata: {} }]);
        }
        return (value as (...a: unknown[]) => unknown).call(target, stream, ...rest);
      };
    },
  }) as EventStore & { readonly won: number };
}

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy & { readonly slept: number[] } {
  const slept: number[] = [];
  return { baseDelayMs: 2, maxDelayMs: 16, random: () => 0.5, sleep: async (ms) => void slept.push(ms), ...overrides, slept };
}

const meta = { commandId: 'c1', commandType: 'Count', correlationId: 'c1', causationId: 'c1', account: 'alice', device: 'pc', at: 5 };

describe('S10.4 a conflict is retried after a jittered, growing wait', () => {
  it('S10.4 waits random × min(max, base × 2^(n-1)) before attempt n+1, then appends once', async () => {
    const store = contended(new MemoryEventStore(), 6);
    const retry = policy();
    const handler = new CommandHandler(store, retry);
    await handler.handle({ stream: 's-1', decider: counter, command: { type: 'Count', by: 'me' }, meta });
    expect(store.won).to.equal(6);
    // ceilings 2, 4, 8, 16, 16, 16 (capped), each halved by random() = 0.5
    expect(retry.slept).to.deep.equal([1, 2, 4, 8, 8, 8]);
    const events = await store.readStream('s-1');
    expect(events.map((e) => e.data.by)).to.deep.equal(['other', 'other', 'other', 'other', 'other', 'other', 'me']);
  });

  it('S10.4 the first attempt never waits', async () => {
    const retry = policy();
    await new CommandHandler(new MemoryEventStore(), retry).handle({ stream: 's-2', decider: counter, command: { type: 'Count', by: 'me' }, meta });
    expect(retry.slept).to.deep.equal([]);
  });

  it('S10.4 gives up after maxAttempts with ConcurrencyError naming the stream, having appended nothing of its own', async () => {
    const store = contended(new MemoryEventStore(), Infinity);
    const retry = policy({ maxAttempts: 5, random: () => 0.999 });
    const error = await new CommandHandler(store, retry).handle({ stream: 's-3', decider: counter, command: { type: 'Count', by: 'me' }, meta }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ConcurrencyError);
    expect((error as ConcurrencyError).streamName).to.equal('s-3');
    expect((error as ConcurrencyError).attempts).to.equal(5);
    expect(retry.slept).to.have.length(4);
    expect((await store.readStream('s-3')).filter((e) => e.data.by === 'me')).to.deep.equal([]);
  });

  it('S10.4 every wait stays under the ceiling; the default policy is bounded (12 attempts, about 1.3 s at most in all)', () => {
    for (const random of [() => 0, () => 0.5, () => 0.999999]) {
      for (let n = 1; n <= 40; n++) {
        const d = backoffDelay(n, { baseDelayMs: 3, maxDelayMs: 100, random });
        expect(d).to.be.at.least(0).and.below(Math.min(100, 3 * 2 ** (n - 1)) + 1e-9);
      }
    }
    let worst = 0;
    for (let n = 1; n < 12; n++) worst += backoffDelay(n, { random: () => 1 });
    expect(worst).to.be.below(1_500);
  });
});
