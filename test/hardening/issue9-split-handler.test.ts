import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Decider } from '../../domain/decider.js';
import { CommandHandler } from '../../application/write/command-handler.js';
import { IdempotencyConflictError } from '../../application/errors.js';
import type { EventStore, EventToAppend } from '../../application/ports/event-store.js';
import { appendsFor, eventBytes } from '../../application/write/append-split.js';
import { MAX_APPEND_BYTES } from '../../domain/event-size.js';
import { sizedEventData } from '../../infrastructure/store/esdb/esdb-events.js';
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

describe('issue 9 review: a split step and the command body', () => {
  it('issue 9 S10.2 after a crash between two appends, the same commandId with another body is refused by another process, and appends nothing', async () => {
    const memory = new MemoryEventStore();
    const named = { ...step, meta: { ...meta, commandBody: 'digest-a' } };
    await new CommandHandler(around(memory, async (call) => {
      if (call === 2) throw new Error('the process died here');
    })).handle(named).catch(() => undefined);
    const before = await types(memory);
    expect(before).to.deep.equal(['Line 0', 'Line 1']);
    let error: unknown;
    await new CommandHandler(memory).handle({ ...named, meta: { ...meta, commandBody: 'digest-b' } }).catch((e: unknown) => { error = e; });
    expect(error).to.be.instanceOf(IdempotencyConflictError);
    expect(await types(memory)).to.deep.equal(before);
    await new CommandHandler(memory).handle(named);
    expect(await types(memory)).to.deep.equal(['Line 0', 'Line 1', 'Line 2', 'Filled']);
  });
});

describe('issue 9 review: the append boundary, in the bytes EventStoreDB counts', () => {
  /** two events of `total` bytes in all as eventBytes counts them, their text multi-byte (é: 2 bytes, 1 unit) */
  function twoEvents(total: number): EventToAppend[] {
    const base = (text: string): EventToAppend => ({ id: randomUUID(), type: 'Liné', data: { text }, metadata: { k: 'v' } });
    const empty = eventBytes(base(''));
    const first = base('é'.repeat(200_000));
    const rest = total - eventBytes(first) - empty; // bytes of the second one's text
    return [first, base(`${'é'.repeat(Math.floor(rest / 2))}${rest % 2 ? 'x' : ''}`)];
  }

  it('issue 9 an append of exactly 1 MiB as the server counts it stays one; a byte more is two, each within 1 MiB with its split mark', () => {
    const exact = twoEvents(MAX_APPEND_BYTES);
    expect(exact.reduce((sum, e) => sum + sizedEventData(e).size, 0)).to.equal(MAX_APPEND_BYTES);
    expect(appendsFor('Fill', exact, Buffer.byteLength(JSON.stringify({ k: 'v' })))).to.have.length(1);
    const over = twoEvents(MAX_APPEND_BYTES + 1);
    expect(over.reduce((sum, e) => sum + sizedEventData(e).size, 0)).to.equal(MAX_APPEND_BYTES + 1);
    const appends = appendsFor('Fill', over, Buffer.byteLength(JSON.stringify({ k: 'v' })));
    expect(appends.map((a) => a.length)).to.deep.equal([1, 1]);
    for (const [part, events] of appends.entries()) {
      const marked = events.map((e) => ({ ...e, metadata: { ...(e.metadata as object), split: [part, appends.length] } }));
      expect(marked.reduce((sum, e) => sum + sizedEventData(e).size, 0)).to.be.at.most(MAX_APPEND_BYTES);
    }
  });
});
