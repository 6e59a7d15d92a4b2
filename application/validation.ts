import { validateSync, type ValidationError as ClassValidatorError } from 'class-validator';
import { ValidationError, type FieldError } from './errors.js';
import { passes } from './validation-plan.js';
import { MAX_ID_LENGTH } from '../domain/event-size.js';

/** S10.1: input nested deeper than this many levels (a command's own fields are level 1) is refused. */
export const MAX_INPUT_DEPTH = 16;

/** S10.1: keys that would reach an object's prototype machinery; refused wherever they appear. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const FORBIDDEN_TEXT = 'is refused: __proto__, constructor and prototype keys are never copied';

/** Where a problem was found by the caller's notation: `message.time`, `offline[2].time`. */
export function pathOf(parent: string, key: string | number): string {
  if (typeof key === 'number' || /^(0|[1-9]\d*)$/.test(key)) return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

export function fieldProblem(field: string, value: unknown, rule: string, text: string): FieldError {
  return { field, value, constraints: { [rule]: `${field} ${text}` } };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** String.prototype.isWellFormed (ES2024, in every Node this package supports): no regex per string */
const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** A string the stores can encode: no lone surrogates (S10.1 "well-formed Unicode"). */
export function isWellFormed(value: string): boolean {
  return nativeWellFormed ? nativeWellFormed.call(value) : !LONE_SURROGATE.test(value);
}


/** A non-empty, well-formed primitive string: what every id, account and device must be. */
export function isIdString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && isWellFormed(value);
}

/** What a string over `limit` is told (the unit every length limit of S10.1 counts in). */
export function maxUnitsText(limit: number): string {
  return `must be at most ${limit} UTF-16 code units long (JavaScript's length)`;
}

/** S10.1: a string longer than `limit` UTF-16 units, named `field`; nothing for anything else. */
export function lengthProblems(field: string, value: unknown, limit = MAX_ID_LENGTH): FieldError[] {
  return typeof value === 'string' && value.length > limit ? [fieldProblem(field, value, 'maxLength', maxUnitsText(limit))] : [];
}

/** `new String('a')` and its kind: objects, not the primitives they wrap (S10.1). */
export function isBoxed(value: object): boolean {
  return value instanceof String || value instanceof Number || value instanceof Boolean || value instanceof BigInt || value instanceof Symbol;
}

/**
 * The caller's raw input, before anything is copied: dangerous keys anywhere in it, and nesting
 * deeper than MAX_INPUT_DEPTH (which also stops cycles). `path` is where `value` sits.
 */
export function shapeProblems(value: unknown, path: string, depth: number, out: FieldError[]): void {
  // the usual input has no problem: find that out without building a path per key
  if (shapeIsClean(value, depth)) return;
  shapeProblemsAt(value, path, depth, out);
}

function isLeaf(value: unknown): boolean {
  return value === null || typeof value !== 'object' || isBoxed(value) || ArrayBuffer.isView(value);
}

function shapeIsClean(value: unknown, depth: number): boolean {
  if (isLeaf(value)) return true;
  if (depth >= MAX_INPUT_DEPTH) return false;
  for (const key of Object.keys(value as object)) {
    if (FORBIDDEN_KEYS.has(key) || !shapeIsClean((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function shapeProblemsAt(value: unknown, path: string, depth: number, out: FieldError[]): void {
  if (value === null || typeof value !== 'object' || isBoxed(value) || ArrayBuffer.isView(value)) return;
  if (depth >= MAX_INPUT_DEPTH) {
    out.push(fieldProblem(path || 'input', undefined, 'maxDepth', `must not nest deeper than ${MAX_INPUT_DEPTH} levels`));
    return;
  }
  for (const key of Object.keys(value)) {
    const at = pathOf(path, key);
    if (FORBIDDEN_KEYS.has(key)) out.push(fieldProblem(at, undefined, 'forbiddenKey', FORBIDDEN_TEXT));
    else shapeProblemsAt((value as Record<string, unknown>)[key], at, depth + 1, out);
  }
}

const INPUT_PROBLEMS = Symbol('inputProblems');

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}

/** Problems found while a command was built from its input, reported by assertValid. */
export function recordInputProblems(target: object, problems: readonly FieldError[]): void {
  if (problems.length === 0) return;
  const previous = (target as { [INPUT_PROBLEMS]?: FieldError[] })[INPUT_PROBLEMS] ?? [];
  Object.defineProperty(target, INPUT_PROBLEMS, { value: [...previous, ...problems], configurable: true });
}

function copyPlain(init: unknown, keys: readonly string[], prefix: string, nullIsAbsent = true): { copied: Record<string, unknown>; problems: FieldError[] } {
  const problems: FieldError[] = [];
  const copied: Record<string, unknown> = {};
  if (init === null || typeof init !== 'object' || Array.isArray(init) || isBoxed(init)) {
    if (init !== undefined) problems.push(fieldProblem(prefix || 'init', init, 'isObject', 'must be a plain object'));
    return { copied, problems };
  }
  for (const key of Object.keys(init)) {
    const at = pathOf(prefix, key);
    const value = (init as Record<string, unknown>)[key];
    if (FORBIDDEN_KEYS.has(key)) problems.push(fieldProblem(at, undefined, 'forbiddenKey', FORBIDDEN_TEXT));
    else if (!keys.includes(key)) problems.push(fieldProblem(at, value, 'whitelistValidation', 'should not exist'));
    // S10.1: null means absent, as undefined does: an optional field takes its default, a required one is named missing
    else if (value !== undefined && (value !== null || !nullIsAbsent)) copied[key] = value;
  }
  return { copied, problems };
}

/**
 * S10.1: builds a command or query from plain data only. Copies the listed own keys; any other
 * key is reported, never copied (so nothing can shadow a method or the constructor). Top-level
 * input (no prefix) is also scanned whole for dangerous keys and depth.
 */
export function assignInput(target: object, init: unknown, keys: readonly string[], prefix = ''): Record<string, unknown> {
  const { copied, problems } = copyPlain(init, keys, prefix);
  if (!prefix && init !== null && typeof init === 'object') {
    for (const key of Object.keys(init)) if (!FORBIDDEN_KEYS.has(key)) shapeProblems((init as Record<string, unknown>)[key], key, 1, problems);
  }
  Object.assign(target, copied);
  recordInputProblems(target, problems);
  return copied;
}

/** Joins problems by field, so a field broken in several ways is one entry with every constraint. */
function merge(into: Map<string, FieldError>, e: FieldError): void {
  const known = into.get(e.field);
  into.set(e.field, known ? { ...known, constraints: { ...known.constraints, ...e.constraints } } : e);
}

function flatten(errors: readonly ClassValidatorError[], prefix: string, parentIsArray: boolean, out: Map<string, FieldError>): void {
  for (const e of errors) {
    // class-validator names an unknown nested value `undefined`: the problem is the value itself.
    const field = e.property === undefined || e.property === null ? prefix : parentIsArray ? pathOf(prefix, String(e.property)) : pathOf(prefix, e.property);
    if (!field) continue;
    if (e.constraints && e.value === undefined && !parentIsArray) {
      // a required field left out (or null, S10.1): what is wrong is that it is missing, not its type
      merge(out, { field, value: undefined, constraints: { isDefined: `${field} is missing` } });
    } else if (e.constraints) {
      const constraints: Record<string, string> = {};
      const property = String(e.property);
      for (const [name, text] of Object.entries(e.constraints)) constraints[name] = text.startsWith(property) ? field + text.slice(property.length) : `${field}: ${text}`;
      merge(out, { field, value: e.value, constraints });
    }
    if (e.children?.length) flatten(e.children, field, Array.isArray(e.value), out);
  }
}

/** valueProblems would find nothing: checked without building a path per value. */
function valueIsClean(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return isWellFormed(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_INPUT_DEPTH) return true;
  if (isBoxed(value) || (value as { [INPUT_PROBLEMS]?: FieldError[] })[INPUT_PROBLEMS] !== undefined) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const one: unknown = value[i];
      if (one === undefined || one === null || Array.isArray(one) || !valueIsClean(one, depth + 1)) return false;
    }
    return true;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key) || !valueIsClean((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** What class-validator lets through: String objects, lone surrogates, holes and nulls in arrays. */
function valueProblems(value: unknown, path: string, depth: number, out: FieldError[]): void {
  if (typeof value === 'string') {
    if (!isWellFormed(value)) out.push(fieldProblem(path, value, 'isWellFormed', 'must be well-formed Unicode (no lone surrogates)'));
    return;
  }
  if (value === null || typeof value !== 'object' || depth >= MAX_INPUT_DEPTH) return;
  if (isBoxed(value)) {
    out.push(fieldProblem(path, value, 'isPrimitive', 'must be a primitive value, not an object wrapper such as new String()'));
    return;
  }
  out.push(...((value as { [INPUT_PROBLEMS]?: FieldError[] })[INPUT_PROBLEMS] ?? []));
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = pathOf(path, i);
      if (!(i in value)) out.push(fieldProblem(at, undefined, 'noHole', 'must not be a hole in the array'));
      else if (value[i] === undefined || value[i] === null) out.push(fieldProblem(at, value[i], 'isDefined', 'must not be null or undefined'));
      else if (Array.isArray(value[i])) out.push(fieldProblem(at, value[i], 'isNotArray', 'must not be an array'));
      else valueProblems(value[i], at, depth + 1, out);
    }
    return;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) out.push(fieldProblem(pathOf(path, key), undefined, 'forbiddenKey', FORBIDDEN_TEXT));
    else valueProblems((value as Record<string, unknown>)[key], pathOf(path, key), depth + 1, out);
  }
}

/** A command whose fields must also agree with each other (checked with the rest, S10.1). */
export interface CrossFieldChecked {
  crossFieldErrors(): FieldError[];
}

/** S10.1: validates a command or query instance; throws ValidationError naming every bad field. */
export function assertValid(instance: object): void {
  if (instance === null || typeof instance !== 'object') throw new ValidationError('input', [fieldProblem('input', instance, 'isObject', 'must be a command or query instance')]);
  const target = Object.getPrototypeOf(instance)?.constructor?.name ?? 'input';
  const input = (instance as { [INPUT_PROBLEMS]?: FieldError[] })[INPUT_PROBLEMS] ?? [];
  // Too deep to walk safely: report that alone rather than recurse into it.
  if (input.some((e) => 'maxDepth' in e.constraints)) throw new ValidationError(target, input);
  const out = new Map<string, FieldError>();
  const values: FieldError[] = [];
  if (!valueIsClean(instance, 0)) valueProblems(instance, '', 0, values);
  for (const e of values) merge(out, e);
  // the decorators' checks, read once per class; class-validator itself only for the errors' words
  if (!passes(instance)) flatten(validateSync(instance, { forbidUnknownValues: true, whitelist: true, forbidNonWhitelisted: true }), '', false, out);
  const cross = (instance as Partial<CrossFieldChecked>).crossFieldErrors?.() ?? [];
  for (const e of cross) if (!out.has(e.field)) out.set(e.field, e);
  if (out.size > 0) throw new ValidationError(target, [...out.values()]);
}

const DISPATCH_OPTIONS = ['commandId', 'correlationId', 'causationId'] as const;

/** S10.1: dispatch options are non-empty, well-formed strings; any other key is refused. */
export function checkDispatchOptions(options: unknown): { commandId?: string; correlationId?: string; causationId?: string } {
  if (options === undefined) return {};
  // dispatch options are ids: given, they must be strings (a null id would make two commands one)
  const { copied, problems } = copyPlain(options, DISPATCH_OPTIONS, 'options', false);
  for (const key of DISPATCH_OPTIONS) {
    if (key in copied && !isIdString(copied[key])) problems.push(fieldProblem(`options.${key}`, copied[key], 'isNotEmptyString', 'must be a non-empty string (well-formed Unicode)'));
    else problems.push(...lengthProblems(`options.${key}`, copied[key]));
  }
  if (problems.length > 0) throw new ValidationError('dispatch', problems);
  return copied;
}

const VIEW_FLAGS = ['db', 'syncSessionUnread', 'autoMarkRead'] as const;
const VIEW_CALLBACKS = ['onsessions', 'onupdatesession'] as const;

/** S10.1 for `ledger.account(accountId, options)`: every bad argument named at once. */
export function checkViewArgs(accountId: unknown, options: unknown): void {
  const problems: FieldError[] = [];
  if (!isIdString(accountId)) problems.push(fieldProblem('accountId', accountId, 'isNotEmptyString', 'must be a non-empty string (well-formed Unicode)'));
  else problems.push(...lengthProblems('accountId', accountId));
  const { copied, problems: shape } = copyPlain(options, ['device', ...VIEW_FLAGS, ...VIEW_CALLBACKS], 'options');
  problems.push(...shape);
  if ('device' in copied && !isIdString(copied['device'])) problems.push(fieldProblem('options.device', copied['device'], 'isNotEmptyString', 'must be a non-empty string (well-formed Unicode)'));
  else problems.push(...lengthProblems('options.device', copied['device']));
  for (const key of VIEW_FLAGS) if (key in copied && typeof copied[key] !== 'boolean') problems.push(fieldProblem(`options.${key}`, copied[key], 'isBoolean', 'must be true or false'));
  for (const key of VIEW_CALLBACKS) if (key in copied && typeof copied[key] !== 'function') problems.push(fieldProblem(`options.${key}`, copied[key], 'isFunction', 'must be a function'));
  if (problems.length > 0) throw new ValidationError('account', problems);
}

/**
 * S10.1 for a device-view method's options object: a plain object (omitted is `{}`), without the
 * view's own `account` and `device` (a view acts for its account only); `done` is taken out.
 */
export function methodOptions<T extends object>(method: string, options: T | undefined): Omit<T, 'done'> {
  if (options === undefined) return {} as Omit<T, 'done'>;
  const problems: FieldError[] = [];
  const out: Record<string, unknown> = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options) || isBoxed(options)) {
    problems.push(fieldProblem('options', options, 'isObject', 'must be a plain object'));
  } else {
    for (const key of Object.keys(options)) {
      const value = (options as Record<string, unknown>)[key];
      if (FORBIDDEN_KEYS.has(key)) problems.push(fieldProblem(key, undefined, 'forbiddenKey', FORBIDDEN_TEXT));
      else if (key === 'account' || key === 'device') problems.push(fieldProblem(key, value, 'isViewField', `is the view's own: use ledger.account(account, { device }) to act for another`));
      else if (key === 'done') {
        if (value != null && typeof value !== 'function') problems.push(fieldProblem('done', value, 'isFunction', 'must be a function (error, result) => void'));
      } else out[key] = value;
    }
  }
  if (problems.length > 0) throw new ValidationError(method, problems);
  return out as Omit<T, 'done'>;
}

/** The `done` callback of a method's options, if there is one (never throws on bad options). */
export function doneOf<T extends Function>(options: unknown): T | undefined {
  if (options === null || typeof options !== 'object') return undefined;
  const done = (options as { done?: unknown }).done;
  return typeof done === 'function' ? (done as T) : undefined;
}

/** S10.1 for the audit queries' argument: a plain object without dangerous keys. */
export function queryShapeProblems(query: unknown): FieldError[] {
  if (query === null || typeof query !== 'object' || Array.isArray(query) || isBoxed(query)) return [fieldProblem('query', query, 'isObject', 'must be a plain object')];
  return Object.keys(query).filter((key) => FORBIDDEN_KEYS.has(key)).map((key) => fieldProblem(key, undefined, 'forbiddenKey', FORBIDDEN_TEXT));
}
