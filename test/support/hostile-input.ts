import fc from 'fast-check';

/**
 * A small schema of what an entry point accepts, so the hostile suite can build a valid input and
 * break it in exactly one place, knowing which field the error must name (S10.1).
 */
export type Spec =
  | { k: 'id' | 'optId' | 'str' | 'optStr' | 'scene' | 'time' | 'optTime' | 'optInt' | 'optBool' | 'optFn' | 'finite' }
  | { k: 'const'; value: unknown }
  | { k: 'obj'; fields: Record<string, Spec>; extra: 'refused' | 'scanned' | 'ignored'; optional?: boolean }
  | { k: 'arr'; of: Spec; optional?: boolean; nonEmpty?: boolean };

const lone = fc.tuple(fc.string({ maxLength: 3 }), fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF'), fc.string({ maxLength: 3 }))
  .map(([a, s, b]) => `${a}${s}${b}`);

function deep(levels: number, array: boolean): unknown {
  let v: unknown = array ? [] : {};
  for (let i = 0; i < levels; i++) v = array ? [v] : { n: v };
  return v;
}

function cyclic(): unknown {
  const self: Record<string, unknown> = { n: 1 };
  self['self'] = self;
  return self;
}

const junk = fc.oneof(
  fc.constantFrom<unknown>(5, 1.5, -1, true, false, [], {}, ['a'], NaN, Infinity, 10n),
  fc.constant(null).map(cyclic),
  fc.constant(null).map(() => [new String('a'), new Number(1), new Boolean(true), Symbol('s'), () => 'f', Object.create(null), new Date(0)]).chain((xs) => fc.constantFrom(...xs)),
  lone,
  fc.integer({ min: 17, max: 60 }).chain((n) => fc.boolean().map((a) => deep(n, a))),
);

/** Values that are wrong for a leaf of kind `k`; `null` only where a value is required. */
function badLeaf(k: string): fc.Arbitrary<unknown> {
  switch (k) {
    case 'id': return fc.oneof(junk, fc.constantFrom<unknown>('', null));
    case 'str': return fc.oneof(junk.filter((v) => typeof v !== 'string' || v !== ''), fc.constant(null));
    case 'optId': return fc.oneof(junk, fc.constant(''));
    case 'optStr': return junk;
    case 'scene': return fc.oneof(junk, fc.constantFrom<unknown>('chat', 'P2P', '', null));
    case 'time': return fc.oneof(fc.constantFrom<unknown>(-1, 1.5, Number.MAX_SAFE_INTEGER + 1, 2 ** 60, Infinity, NaN, '5', null, 10n), junk.filter((v) => typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0));
    case 'optTime': return fc.constantFrom<unknown>(-1, 1.5, Number.MAX_SAFE_INTEGER + 1, 2 ** 60, Infinity, NaN, '5', 10n, new Number(5));
    case 'optInt': return fc.constantFrom<unknown>(1.5, NaN, '5', Infinity, new Number(5), true, 10n, {});
    case 'optBool': return fc.constantFrom<unknown>('true', 0, 1, new Boolean(true), 'false', {}, []);
    case 'optFn': return fc.constantFrom<unknown>(5, 'f', {}, true, []);
    case 'finite': return fc.constantFrom<unknown>(NaN, Infinity, -Infinity, '5', null, 10n, new Number(5), {}, true);
    default: return junk;
  }
}

function validLeaf(k: string): fc.Arbitrary<unknown> {
  switch (k) {
    case 'id': case 'optId': return fc.constantFrom('bob', 'p2p-bob', 'team-t1', 'a-b', '😀');
    case 'str': case 'optStr': return fc.string({ maxLength: 5 }).filter((s) => !/[\uD800-\uDFFF]/.test(s));
    case 'scene': return fc.constantFrom('p2p', 'team', 'superTeam');
    case 'time': case 'optTime': case 'finite': return fc.integer({ min: 0, max: 2_000_000_000_000 });
    case 'optInt': return fc.integer({ min: -5, max: 500 });
    case 'optBool': return fc.boolean();
    case 'optFn': return fc.constant(() => undefined);
    default: throw new Error(k);
  }
}

const OPTIONAL = new Set(['optId', 'optStr', 'optTime', 'optInt', 'optBool', 'optFn']);

function isOptional(spec: Spec): boolean {
  return OPTIONAL.has(spec.k) || ((spec.k === 'obj' || spec.k === 'arr') && spec.optional === true);
}

export function valid(spec: Spec): fc.Arbitrary<unknown> {
  if (spec.k === 'const') return fc.constant(spec.value);
  if (spec.k === 'arr') return fc.array(valid(spec.of), { minLength: spec.nonEmpty ? 1 : 0, maxLength: 3 });
  if (spec.k === 'obj') {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, s] of Object.entries(spec.fields)) model[key] = valid(s);
    const requiredKeys = Object.entries(spec.fields).filter(([, s]) => !isOptional(s)).map(([key]) => key);
    return fc.record(model, { requiredKeys });
  }
  return validLeaf(spec.k);
}

interface Site { path: string[]; spec: Spec; name: string; value: unknown }

/** Every place of `value` a mutation can hit, with the name the caller would use for it. */
function sites(value: unknown, spec: Spec, path: string[], name: string, out: Site[]): void {
  out.push({ path, spec, name, value });
  if (spec.k === 'obj' && value && typeof value === 'object') {
    for (const [key, s] of Object.entries(spec.fields)) {
      if (key in value || !isOptional(s)) sites((value as Record<string, unknown>)[key], s, [...path, key], join(name, key), out);
    }
  }
  if (spec.k === 'arr' && Array.isArray(value)) value.forEach((v, i) => sites(v, spec.of, [...path, String(i)], `${name}[${i}]`, out));
}

function join(name: string, key: string): string {
  return name ? `${name}.${key}` : key;
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  }
  return value;
}

export interface Mutant { value: unknown; field: string; how: string }

/** A valid input broken once; `field` is where the ValidationError must point (or below it). */
export function mutant(spec: Spec, rootName: string, options: { prefix?: string; skipRoot?: boolean } = {}): fc.Arbitrary<Mutant> {
  return valid(spec).chain((v) => {
    const all: Site[] = [];
    sites(v, spec, [], options.prefix ?? '', all);
    if (options.skipRoot) all.shift();
    return fc.constantFrom(...all).chain((site) => mutationOf(site, rootName).map(({ apply, field, how }) => {
      const root = { v: clone(v) };
      let parent: Record<string, unknown> = root;
      let key = 'v';
      for (const step of site.path) {
        parent = parent[key] as Record<string, unknown>;
        key = step;
      }
      apply(parent, key);
      return { value: root.v, field: field || rootName, how };
    }));
  });
}

type Mutation = { apply(parent: Record<string, unknown>, key: string): void; field: string; how: string };

function mutationOf(site: Site, rootName: string): fc.Arbitrary<Mutation> {
  const { spec, name } = site;
  const here = name || rootName;
  const replace = (bad: fc.Arbitrary<unknown>, how: string) => bad.map((b): Mutation => ({ apply: (p, k) => { p[k] = b; }, field: here, how }));
  const options: fc.Arbitrary<Mutation>[] = [];
  if (site.path.length > 0 && !isOptional(spec)) options.push(fc.constant<Mutation>({ apply: (p, k) => { delete p[k]; }, field: here, how: 'missing' }));
  if (spec.k === 'obj') {
    options.push(replace(fc.constantFrom<unknown>(0, '', false, 5, 'str', [], [1], new String('x'), 10n, ...(spec.optional ? [] : [null])), 'not an object'));
    options.push(fc.constantFrom('__proto__', 'constructor', 'prototype').map((bad): Mutation => ({
      apply: (p, k) => { Object.defineProperty(p[k], bad, { value: { polluted: true }, enumerable: true, configurable: true, writable: true }); },
      field: join(name, bad), how: `${bad} key`,
    })));
    if (spec.extra === 'refused') options.push(fc.tuple(fc.nat(99), fc.oneof(junk, validLeaf('id'))).map(([n, x]): Mutation => ({ apply: (p, k) => { (p[k] as Record<string, unknown>)[`zz${n}`] = x; }, field: join(name, `zz${n}`), how: 'extra key' })));
    if (spec.extra !== 'ignored') options.push(fc.integer({ min: 17, max: 5000 }).map((n): Mutation => ({ apply: (p, k) => { (p[k] as Record<string, unknown>)['zzdeep'] = deep(n, n % 2 === 0); }, field: join(name, 'zzdeep'), how: `nested ${n} deep` })));
  } else if (spec.k === 'arr') {
    const length = (site.value as unknown[]).length;
    options.push(replace(fc.constantFrom<unknown>(0, '', false, {}, 'str', 5, new String('x'), ...(spec.optional ? [] : [null])), 'falsy or not an array'));
    options.push(fc.tuple(fc.nat(3), fc.constantFrom('hole', 'null', 'undefined', '[]')).map(([at, what]): Mutation => ({
      apply: (p, k) => {
        const list = p[k] as unknown[];
        const i = Math.min(at, length);
        const copy = [...list.slice(0, i), 0, ...list.slice(i)];
        if (what === 'hole') delete copy[i];
        else copy[i] = what === 'null' ? null : what === 'undefined' ? undefined : [];
        p[k] = copy;
      },
      field: `${here}[${Math.min(at, length)}]`, how: `${what} in array`,
    })));
    if (spec.nonEmpty) options.push(replace(fc.constant([]), 'empty array'));
  } else if (spec.k === 'const') {
    options.push(replace(badLeaf('id'), 'bad fixed field'));
  } else options.push(replace(badLeaf(spec.k), 'bad value'));
  return fc.oneof(...options);
}
