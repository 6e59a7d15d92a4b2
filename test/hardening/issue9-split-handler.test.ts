import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Decider } from '../../domain/decider.js';
import { CommandHandler } from '../../application/write/command-handler.js';
import type { EventStore } from '../../application/ports/event-store.js';
import { MemoryEventStore } from '../../infrastructure/store/memory/memory-store.js';

// A step shaped like a sync: the lines not yet recorded (a redo writes only what is missing), and
// always one `Filled` after them (as the offline batch is always recorded).
type FillEvent = { type: 'Line'; data: { n: number; text: string } } | { type: 'Filled'; data: { lines: number } };
const filler: Decider<{ type: 'Fill'; lines: number }, FillEvent, ReadonlySet<number>> = {
  decide: (command, state) => {
    const missing = Array.from({ length: command.lines }, (_, n) => n).filter((n) => !state.has(n));
    return [...missing.map((n): FillEvent => ({ type: 'Line', data: { n, text: 'z'.repeat(400_000) } })), { type: 'Filled', data: { lines: command.lines } }];
  },
  evolve: (state, event) => (event.type === 'Line' ? new Set([...state, event.data.n]) : state),
  initialState: () => new Set(),
};

const STREAM = 'ledger/alice/fill';
const meta = { commandId: 'fill-1', commandType: 'Fill', correlationId: 'fill-1', causationId: 'fill-1', account: 'alice', device: 'pc', at: 5 };
const step = { stream: STREAM, decider: filler, command: { type: 'Fill' as const, lines: 3 }, meta };

/** `inner`, where `before(call)` runs before each append to STREAM and may throw (a crash) or write (another process) */
function around(inner: EventStore, before: (call: number) => Promise<void>): EventStore {
  let calls = 0;
  return new Proxy(inner, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key !== 'appendToStream') return typeof value === 'function' ? value.bind(target) : value;
      return async (stream: string, ...rest: unknown[]) => {
        if (stream === STREAM) await before(++calls);
        return (value as (...a: unknown[]) => unknown).call(target, stream, ...rest);
      };
    },
  });
}

const types = async (store: EventStore) => (await store.readStream(STREAM)).map((e) => (e.type === 'Line' ? `Line ${(e.data as { n: number }).n}` : e.type));

describe('issue 9 review: a split step and its idempotency key', () => {
  it('issue 9 S10.2 a step cut between its appends and finished by a retry that fits one append is recorded: another process dispatching it again appends nothing', async () => {
    const memory = new MemoryEventStore();
    const handler = new CommandHandler(around(memory, async (call) => {
      if (call === 2) throw new Error('the process died here');
    }));
    let failed: unknown;
    await handler.handle(step).catch((error: unknown) => { failed = error; });
    expect(String(failed)).to.contain('the process died here');
    expect(await types(memory)).to.deep.equal(['Line 0', 'Line 1']);
    await handler.handle(step);
    expect(await types(memory)).to.deep.equal(['Line 0', 'Line 1', 'Line 2', 'Filled']);
    // the retry fit one append: its events carry no split mark
    expect((await memory.readStream(STREAM)).slice(2).map((e) => e.metadata['split'])).to.deep.equal([undefined, undefined]);
    await new CommandHandler(memory).handle(step);
    expect(await types(memory)).to.deep.equal(['Line 0', 'Line 1', 'Line 2', 'Filled']);
  });

  it('issue 9 S10.4 another process appending between two appends of a split step: the step is decided again after it, each line once', async () => {
    const memory = new MemoryEventStore();
    const handler = new CommandHandler(around(memory, async (call) => {
      if (call === 2) await memory.appendToStream(STREAM, [{ id: randomUUID(), type: 'Line', data: { n: 7, text: 'other' }, metadata: {} }]);
    }), { sleep: async () => undefined });
    await handler.handle(step);
    expect(await types(memory)).to.deep.equal(['Line 0', 'Line 1', 'Line 7', 'Line 2', 'Filled']);
    await new CommandHandler(memory).handle(step);
    expect(await types(memory)).to.have.length(5);
  });
});
