import { expect } from 'chai';
import { createRequire } from 'node:module';
import {
  cutSessions,
  cutSessionsByIds,
  findSession,
  mergeSessions,
  type SessionKey,
} from '../../application/api/session-helpers.js';

interface Session {
  id: string;
  updateTime?: number;
  [field: string]: unknown;
}

type CutItems = SessionKey | readonly (SessionKey | null | undefined)[] | null | undefined;

/** The four helpers, as ours and as the SDK's, so one rule can be checked against both. */
interface Helpers {
  mergeSessions(
    old: readonly Session[] | null | undefined,
    incoming?: Session | readonly Session[] | null,
  ): Session[];
  cutSessions(old: readonly Session[] | null | undefined, toCut?: CutItems): Session[] | null | undefined;
  cutSessionsByIds(
    old: readonly Session[] | null | undefined,
    ids: string | readonly string[],
  ): Session[] | null | undefined;
  findSession(list: readonly Session[] | null | undefined, id: string): Session | null;
}

const ours: Helpers = { mergeSessions, cutSessions, cutSessionsByIds, findSession };

// ---------------------------------------------------------------------------------------------
// Loading the SDK. Its Node builds define browser-ish globals (document = null, navigator,
// location, WebSocket, XMLHttpRequest, io, ...) while loading; they are removed again right away
// so no other test sees them (and so another copy of the SDK can still be loaded later).

type SdkFn = Record<'mergeSessions' | 'cutSessions' | 'cutSessionsByIds' | 'findSession', Function>;

const SDK_BUILDS = [
  '@yxim/nim-web-sdk/dist/SDK/NIM_Web_SDK_nodejs.js',
  '@yxim/nim-web-sdk/dist/SDK/NIM_Web_NIM_nodejs.js',
];

let sdkCache: Helpers | undefined;
let globalsBeforeLoad: Set<string> | undefined;

function loadSdk(): Helpers {
  if (sdkCache) return sdkCache;
  globalsBeforeLoad ??= new Set(Object.getOwnPropertyNames(globalThis));
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const build of SDK_BUILDS) {
    try {
      const loaded = withGlobalsRestored(() => require(build) as { NIM?: { fn?: SdkFn }; fn?: SdkFn });
      const fn = loaded.NIM?.fn ?? loaded.fn;
      if (fn && typeof fn.mergeSessions === 'function') {
        // Called as methods: the SDK's helpers reach their generic siblings through `this`.
        sdkCache = {
          mergeSessions: (old, incoming) => fn.mergeSessions(old, incoming),
          cutSessions: (old, toCut) => fn.cutSessions(old, toCut),
          cutSessionsByIds: (old, ids) => fn.cutSessionsByIds(old, ids),
          findSession: (list, id) => fn.findSession(list, id),
        };
        return sdkCache;
      }
      failures.push(`${build}: no NIM.fn.mergeSessions in its exports`);
    } catch (error) {
      failures.push(`${build}: ${(error as Error).message}`);
    }
  }
  throw new Error(`could not load the NIM Web SDK in Node; install @yxim/nim-web-sdk (dev dependency).\n${failures.join('\n')}`);
}

function withGlobalsRestored<T>(load: () => T): T {
  const global = globalThis as Record<string, unknown>;
  const before = new Map(
    Object.getOwnPropertyNames(global).map((name) => [name, Object.getOwnPropertyDescriptor(global, name)]),
  );
  try {
    return load();
  } finally {
    for (const name of Object.getOwnPropertyNames(global)) {
      const original = before.get(name);
      if (!original) {
        delete global[name];
      } else if ('value' in original && !Object.is(original.value, global[name])) {
        Object.defineProperty(global, name, original);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The rules, each written once and checked against ours and against the SDK.

const rules: [string, (h: Helpers) => void][] = [
  [
    'mergeSessions merges by id: the newer fields override, fields only the older has are kept',
    (h) => {
      const old: Session[] = [
        { id: 'a', updateTime: 1, unread: 2, localCustom: 'x' },
        { id: 'b', updateTime: 3 },
      ];
      const result = h.mergeSessions(old, { id: 'a', updateTime: 5, unread: 0, lastMsg: { text: 'hi' } });
      expect(result).to.deep.equal([
        { id: 'a', updateTime: 5, unread: 0, localCustom: 'x', lastMsg: { text: 'hi' } },
        { id: 'b', updateTime: 3 },
      ]);
      expect(Object.keys(result[0]!)).to.deep.equal(['id', 'updateTime', 'unread', 'localCustom', 'lastMsg']);
    },
  ],
  [
    'mergeSessions never mutates its inputs and keeps untouched sessions as the same objects',
    (h) => {
      const old: Session[] = [{ id: 'a', updateTime: 1, unread: 2 }, { id: 'b', updateTime: 3 }];
      const incoming: Session[] = [{ id: 'a', updateTime: 5 }, { id: 'c', updateTime: 4 }];
      const snapshot = structuredClone({ old, incoming });
      const result = h.mergeSessions(old, incoming);
      expect({ old, incoming }).to.deep.equal(snapshot);
      expect(result).to.not.equal(old);
      expect(result[0]).to.not.equal(old[0]);
      expect(result[0]).to.not.equal(incoming[0]);
      expect(result[1]).to.equal(incoming[1]);
      expect(result[2]).to.equal(old[1]);
    },
  ],
  [
    'mergeSessions sorts by updateTime descending, as numbers for timestamps',
    (h) => {
      const result = h.mergeSessions(
        [{ id: 'a', updateTime: 9 }, { id: 'b', updateTime: 1700000000000 }],
        [{ id: 'c', updateTime: 10 }, { id: 'd', updateTime: 0 }],
      );
      expect(result.map((s) => s.id)).to.deep.equal(['b', 'c', 'a', 'd']);
    },
  ],
  [
    'mergeSessions is stable: equal updateTimes keep the prior order first, then the new',
    (h) => {
      const result = h.mergeSessions(
        [{ id: 'a', updateTime: 5 }, { id: 'b', updateTime: 5 }],
        [{ id: 'c', updateTime: 5 }, { id: 'a', updateTime: 5, unread: 1 }, { id: 'd', updateTime: 5 }],
      );
      expect(result).to.deep.equal([
        { id: 'a', updateTime: 5, unread: 1 },
        { id: 'b', updateTime: 5 },
        { id: 'c', updateTime: 5 },
        { id: 'd', updateTime: 5 },
      ]);
    },
  ],
  [
    'mergeSessions takes one session as well as a list',
    (h) => {
      const old: Session[] = [{ id: 'a', updateTime: 2 }];
      expect(h.mergeSessions(old, { id: 'b', updateTime: 3 })).to.deep.equal([
        { id: 'b', updateTime: 3 },
        { id: 'a', updateTime: 2 },
      ]);
      expect(h.mergeSessions(old, { id: 'a', updateTime: 1, unread: 4 })).to.deep.equal([
        { id: 'a', updateTime: 1, unread: 4 },
      ]);
    },
  ],
  [
    'mergeSessions of a null old gives the new sessions sorted, in a new array',
    (h) => {
      const incoming: Session[] = [{ id: 'a', updateTime: 1 }, { id: 'b', updateTime: 2 }];
      for (const old of [null, undefined, []]) {
        const result = h.mergeSessions(old, incoming);
        expect(result).to.deep.equal([{ id: 'b', updateTime: 2 }, { id: 'a', updateTime: 1 }]);
        expect(result).to.not.equal(incoming);
        expect(result[0]).to.equal(incoming[1]);
      }
      expect(incoming.map((s) => s.id)).to.deep.equal(['a', 'b']);
    },
  ],
  [
    'mergeSessions does not merge duplicate ids inside the new list when old is empty (SDK quirk)',
    (h) => {
      const incoming: Session[] = [{ id: 'a', updateTime: 1 }, { id: 'a', updateTime: 2, unread: 1 }];
      expect(h.mergeSessions([], incoming)).to.deep.equal([
        { id: 'a', updateTime: 2, unread: 1 },
        { id: 'a', updateTime: 1 },
      ]);
      expect(h.mergeSessions([{ id: 'q', updateTime: 0 }], incoming)).to.deep.equal([
        { id: 'a', updateTime: 2, unread: 1 },
        { id: 'q', updateTime: 0 },
      ]);
    },
  ],
  [
    'mergeSessions with nothing new returns old itself, unsorted',
    (h) => {
      const old: Session[] = [{ id: 'a', updateTime: 1 }, { id: 'b', updateTime: 2 }];
      expect(h.mergeSessions(old)).to.equal(old);
      expect(h.mergeSessions(old, null)).to.equal(old);
      expect(h.mergeSessions(old, [])).to.equal(old);
      expect(old.map((s) => s.id)).to.deep.equal(['a', 'b']);
    },
  ],
  [
    'mergeSessions of a null old with nothing new is an empty list',
    (h) => {
      expect(h.mergeSessions(null)).to.deep.equal([]);
      expect(h.mergeSessions(undefined, [])).to.deep.equal([]);
      expect(h.mergeSessions(null, null)).to.deep.equal([]);
    },
  ],
  [
    'mergeSessions lets a field the newer session sets to undefined override',
    (h) => {
      const result = h.mergeSessions([{ id: 'a', updateTime: 1, unread: 3 }], [{ id: 'a', unread: undefined }]);
      expect(result).to.deep.equal([{ id: 'a', updateTime: 1, unread: undefined }]);
      expect(result[0]).to.have.property('unread');
    },
  ],
  [
    'mergeSessions merges into the first of duplicate old ids only',
    (h) => {
      const result = h.mergeSessions(
        [{ id: 'a', updateTime: 1, n: 1 }, { id: 'a', updateTime: 1, n: 2 }],
        { id: 'a', updateTime: 1, m: 1 },
      );
      expect(result).to.deep.equal([
        { id: 'a', updateTime: 1, n: 1, m: 1 },
        { id: 'a', updateTime: 1, n: 2 },
      ]);
    },
  ],
  [
    'mergeSessions puts sessions without an updateTime first, then null, then newest (SDK natural sort)',
    (h) => {
      const result = h.mergeSessions(
        [{ id: 'a', updateTime: 5 }, { id: 'b' }],
        [{ id: 'c', updateTime: 10 }, { id: 'd', updateTime: null as unknown as number }],
      );
      expect(result.map((s) => s.id)).to.deep.equal(['b', 'd', 'c', 'a']);
    },
  ],
  [
    'cutSessions removes sessions by id and keeps the order of the rest',
    (h) => {
      const old: Session[] = [{ id: 'a' }, { id: 'b', unread: 1 }, { id: 'c' }, { id: 'd' }];
      const snapshot = structuredClone(old);
      const result = h.cutSessions(old, [{ id: 'c' }, { id: 'a' }]);
      expect(result).to.deep.equal([{ id: 'b', unread: 1 }, { id: 'd' }]);
      expect(result![0]).to.equal(old[1]);
      expect(old).to.deep.equal(snapshot);
    },
  ],
  [
    'cutSessions ignores ids not in the list and skips empty items, returning a copy',
    (h) => {
      const old: Session[] = [{ id: 'a' }, { id: 'b' }];
      const result = h.cutSessions(old, [{ id: 'zz' }, null, undefined]);
      expect(result).to.deep.equal([{ id: 'a' }, { id: 'b' }]);
      expect(result).to.not.equal(old);
    },
  ],
  [
    'cutSessions takes one session as well as a list',
    (h) => {
      expect(h.cutSessions([{ id: 'a' }, { id: 'b' }], { id: 'b' })).to.deep.equal([{ id: 'a' }]);
    },
  ],
  [
    'cutSessions removes one session per item, the first with that id',
    (h) => {
      const old: Session[] = [{ id: 'a', n: 1 }, { id: 'a', n: 2 }, { id: 'b' }];
      expect(h.cutSessions(old, [{ id: 'a' }])).to.deep.equal([{ id: 'a', n: 2 }, { id: 'b' }]);
      expect(h.cutSessions(old, [{ id: 'a' }, { id: 'a' }])).to.deep.equal([{ id: 'b' }]);
    },
  ],
  [
    'cutSessions with nothing to cut returns old itself, and a null old as it was',
    (h) => {
      const old: Session[] = [{ id: 'a' }];
      expect(h.cutSessions(old)).to.equal(old);
      expect(h.cutSessions(old, null)).to.equal(old);
      expect(h.cutSessions(old, [])).to.equal(old);
      expect(h.cutSessions(null, [{ id: 'a' }])).to.equal(null);
      expect(h.cutSessions(undefined, { id: 'a' })).to.equal(undefined);
      const empty: Session[] = [];
      const cutFromEmpty = h.cutSessions(empty, { id: 'a' });
      expect(cutFromEmpty).to.deep.equal([]);
      expect(cutFromEmpty).to.not.equal(empty);
    },
  ],
  [
    'cutSessionsByIds removes sessions by one id or a list of ids',
    (h) => {
      const old: Session[] = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
      expect(h.cutSessionsByIds(old, 'b')).to.deep.equal([{ id: 'a' }, { id: 'c' }]);
      expect(h.cutSessionsByIds(old, ['c', 'zz', 'a'])).to.deep.equal([{ id: 'b' }]);
      expect(h.cutSessionsByIds(old, [])).to.equal(old);
      expect(h.cutSessionsByIds(null, 'a')).to.equal(null);
      expect(old.map((s) => s.id)).to.deep.equal(['a', 'b', 'c']);
    },
  ],
  [
    'findSession returns the first session with that id, the same object',
    (h) => {
      const old: Session[] = [{ id: 'a', n: 1 }, { id: 'b' }, { id: 'a', n: 2 }];
      expect(h.findSession(old, 'a')).to.equal(old[0]);
      expect(h.findSession(old, 'b')).to.equal(old[1]);
    },
  ],
  [
    'findSession of a missing id is null, also in a null list',
    (h) => {
      expect(h.findSession([{ id: 'a' }], 'zz')).to.equal(null);
      expect(h.findSession([], 'a')).to.equal(null);
      expect(h.findSession(null, 'a')).to.equal(null);
      expect(h.findSession(undefined, 'a')).to.equal(null);
    },
  ],
];

// ---------------------------------------------------------------------------------------------
// Generated inputs for the differential tests: a seeded generator so a failure can be replayed.

function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const IDS = ['a', 'b', 'c', 'd', 'e', 'f'];
const TIMESTAMPS = [1, 2, 3, 3, 0, 1700000000000, 1700000000001, 1699999999999];
// Values a careless caller might put in updateTime: the SDK's natural sort has opinions on each.
const ODD_TIMES: unknown[] = [
  null, 0, -1, -10, 0.5, 0.25, 1e-7, 12, '12', '012', 'abc', 'ABC', ' 7 ', '2020-01-02',
  'Jan 1, 2020', '1/2/2020 10:00', '0x1f', '0x0', NaN, Infinity, -Infinity, '1.5.3', 'v10', 'v9',
  true, false, {}, [1, 2], '', 1700000000000, 3,
];
const FIELDS: [string, () => unknown][] = [
  ['unread', () => 1],
  ['unread', () => 0],
  ['lastMsg', () => ({ text: 'hi' })],
  ['localCustom', () => undefined],
  ['localCustom', () => 'pinned'],
  ['scene', () => 'p2p'],
  ['to', () => 'bob'],
];

class Generator {
  private readonly next: () => number;

  constructor(seed: number, private readonly oddTimes: boolean) {
    this.next = randomSource(seed);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  id(): string {
    return this.chance(0.1) ? 'zz' : this.pick(IDS);
  }

  session(): Session {
    const session: Record<string, unknown> = { id: this.pick(IDS) };
    if (this.oddTimes) {
      if (!this.chance(0.15)) session.updateTime = this.pick(ODD_TIMES);
    } else if (!this.chance(0.1)) {
      session.updateTime = this.pick(TIMESTAMPS);
    }
    const extra = Math.floor(this.next() * 3);
    for (let i = 0; i < extra; i++) {
      const [name, value] = this.pick(FIELDS);
      session[name] = value();
    }
    return session as Session;
  }

  sessions(max: number): Session[] {
    return Array.from({ length: Math.floor(this.next() * (max + 1)) }, () => this.session());
  }

  oldList(): Session[] | null | undefined {
    const roll = this.next();
    if (roll < 0.1) return null;
    if (roll < 0.15) return undefined;
    if (roll < 0.25) return [];
    return this.sessions(10);
  }

  incoming(): Session | Session[] | null | undefined {
    const roll = this.next();
    if (roll < 0.05) return undefined;
    if (roll < 0.1) return null;
    if (roll < 0.2) return [];
    if (roll < 0.4) return this.session();
    return this.sessions(10);
  }

  cutItems(): CutItems {
    const roll = this.next();
    if (roll < 0.05) return undefined;
    if (roll < 0.1) return null;
    if (roll < 0.2) return [];
    if (roll < 0.35) return { id: this.id() };
    return Array.from({ length: 1 + Math.floor(this.next() * 5) }, () =>
      this.chance(0.1) ? null : this.chance(0.5) ? this.session() : { id: this.id() },
    );
  }

  ids(): string | string[] {
    if (this.chance(0.3)) return this.id();
    return Array.from({ length: Math.floor(this.next() * 5) }, () => this.id());
  }
}

/** A result as values plus where each element came from, so aliasing is compared as well. */
function describeResult(result: unknown, inputs: Record<string, unknown>): unknown {
  const origins = new Map<unknown, string>();
  for (const [name, input] of Object.entries(inputs)) {
    origins.set(input, name);
    if (Array.isArray(input)) input.forEach((item, i) => origins.set(item, `${name}[${i}]`));
  }
  const originOf = (value: unknown): string =>
    value !== null && typeof value === 'object' ? (origins.get(value) ?? 'new object') : 'not an object';
  return {
    value: result,
    origin: originOf(result),
    elements: Array.isArray(result)
      ? result.map((item) => ({ origin: originOf(item), keys: item ? Object.keys(item) : item }))
      : null,
  };
}

function expectSameAsSdk(
  label: string,
  inputs: Record<string, unknown>,
  run: (h: Helpers) => unknown,
): void {
  const snapshot = structuredClone(inputs);
  const theirs = describeResult(run(loadSdk()), inputs);
  const mine = describeResult(run(ours), inputs);
  expect(mine, `${label}\ninputs: ${show(snapshot)}`).to.deep.equal(theirs);
  expect(inputs, `${label}: inputs were mutated`).to.deep.equal(snapshot);
}

function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v === undefined ? '<undefined>' : v));
}

// ---------------------------------------------------------------------------------------------

describe('S8 NIM helpers', () => {
  for (const [name, check] of rules) {
    it(`S8 ${name}`, () => check(ours));
  }

  it('S8 every rule above holds for the NIM Web SDK itself (the expected values are its outputs)', () => {
    const sdk = loadSdk();
    for (const [name, check] of rules) {
      try {
        check(sdk);
      } catch (error) {
        throw new Error(`the SDK does not follow "${name}": ${(error as Error).message}`);
      }
    }
  });

  it('S8 loading the SDK for comparison leaves no globals behind', () => {
    loadSdk();
    const added = Object.getOwnPropertyNames(globalThis).filter((name) => !globalsBeforeLoad!.has(name));
    expect(added).to.deep.equal([]);
  });

  it('S8 mergeSessions gives the SDK output for 3000 generated inputs (overlapping ids, equal times)', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const gen = new Generator(seed, false);
      const inputs = { old: gen.oldList(), incoming: gen.incoming() };
      expectSameAsSdk(`seed ${seed}`, inputs, (h) => h.mergeSessions(inputs.old, inputs.incoming));
    }
  });

  it('S8 mergeSessions orders odd updateTime values exactly as the SDK natural sort does', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const gen = new Generator(seed, true);
      const inputs = { old: gen.oldList(), incoming: gen.incoming() };
      expectSameAsSdk(`odd seed ${seed}`, inputs, (h) => h.mergeSessions(inputs.old, inputs.incoming));
    }
  });

  it('S8 cutSessions gives the SDK output for 2000 generated inputs', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const gen = new Generator(seed, false);
      const inputs = { old: gen.oldList(), toCut: gen.cutItems() };
      expectSameAsSdk(`seed ${seed}`, inputs, (h) => h.cutSessions(inputs.old, inputs.toCut));
    }
  });

  it('S8 cutSessionsByIds gives the SDK output for 2000 generated inputs', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const gen = new Generator(seed, false);
      const inputs = { old: gen.oldList(), ids: gen.ids() };
      expectSameAsSdk(`seed ${seed}`, inputs, (h) => h.cutSessionsByIds(inputs.old, inputs.ids));
    }
  });

  it('S8 findSession gives the SDK output for 2000 generated inputs', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const gen = new Generator(seed, false);
      const inputs = { list: gen.oldList(), id: gen.id() };
      expectSameAsSdk(`seed ${seed}`, inputs, (h) => h.findSession(inputs.list, inputs.id));
    }
  });
});
