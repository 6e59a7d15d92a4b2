import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';

/**
 * class-validator's decorators read once per class (S10.1 stays class-validator's: the command
 * classes keep their decorators). `passes` runs the very validate functions class-validator would,
 * with the options assertValid uses (forbidUnknownValues, whitelist, forbidNonWhitelisted), but
 * without looking the metadata up again on every call. It only says yes or no: on no (or for
 * anything it does not cover) the caller runs validateSync for the errors, so a valid command is
 * checked once and an invalid one is reported word for word as before.
 */

interface Check {
  readonly each: boolean;
  readonly validate: (value: unknown, args: ValidationArguments) => unknown;
  /** the arguments class-validator passes, one object per check, filled in before each call */
  readonly args: ValidationArguments;
}

interface PropertyPlan {
  readonly name: string;
  readonly conditions: readonly ((object: object, value: unknown) => boolean)[];
  readonly checks: readonly Check[];
  readonly nested: boolean;
}

interface ClassPlan {
  readonly properties: readonly PropertyPlan[];
  readonly known: ReadonlySet<string>;
}

/** A class whose metadata uses something passes() does not mirror: always validated in full. */
const UNCOVERED = null;

/** assertValid refuses deeper input before it gets here; this only bounds a cycle */
const MAX_DEPTH = 64;

const plans = new Map<Function, ClassPlan | typeof UNCOVERED>();

function checkOf(m: { propertyName: string; constraints: unknown[]; each: boolean; constraintCls: Function }): Check | typeof UNCOVERED {
  const constraints = getMetadataStorage().getTargetValidatorConstraints(m.constraintCls);
  if (constraints.length !== 1 || constraints[0]!.async) return UNCOVERED;
  const instance = constraints[0]!.instance as { validate: Check['validate'] };
  const args: ValidationArguments = { targetName: '', property: m.propertyName, object: {}, value: undefined, constraints: m.constraints ?? [] };
  return { each: m.each, validate: (value, a) => instance.validate(value, a), args };
}

function planOf(target: Function): ClassPlan | typeof UNCOVERED {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(target, undefined as unknown as string, false, false, undefined);
  if (metadatas.length === 0) return UNCOVERED;
  const byName = new Map<string, { conditions: PropertyPlan['conditions'][number][]; checks: Check[]; nested: boolean }>();
  for (const m of metadatas) {
    if (typeof m.target === 'string' || m.validateIf || m.always !== undefined || (m.groups && m.groups.length > 0)) return UNCOVERED;
    let p = byName.get(m.propertyName);
    if (!p) byName.set(m.propertyName, (p = { conditions: [], checks: [], nested: false }));
    if (m.type === ValidationTypes.CONDITIONAL_VALIDATION) p.conditions.push(m.constraints[0] as PropertyPlan['conditions'][number]);
    else if (m.type === ValidationTypes.NESTED_VALIDATION) p.nested = true;
    else if (m.type === ValidationTypes.CUSTOM_VALIDATION || m.type === ValidationTypes.IS_DEFINED) {
      const check = checkOf(m);
      if (check === UNCOVERED) return UNCOVERED;
      p.checks.push(check);
    } else if (m.type !== ValidationTypes.WHITELIST) return UNCOVERED;
  }
  const properties = [...byName].map(([name, p]) => ({ name, ...p }));
  return { properties, known: new Set(byName.keys()) };
}

function planFor(target: Function): ClassPlan | typeof UNCOVERED {
  if (!plans.has(target)) plans.set(target, planOf(target));
  return plans.get(target)!;
}

function runCheck(check: Check, object: object, value: unknown): boolean {
  const args = check.args;
  args.targetName = object.constructor?.name;
  args.object = object;
  args.value = value;
  if (!check.each || !(Array.isArray(value) || value instanceof Set || value instanceof Map)) return check.validate(value, args) === true;
  for (const one of value instanceof Map ? value.values() : value) if (check.validate(one, args) !== true) return false;
  return true;
}

function nestedPasses(value: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value) || value instanceof Set || value instanceof Map) {
    for (const one of value instanceof Map ? value.values() : value) if (!nestedPasses(one, depth + 1)) return false;
    return true;
  }
  return value instanceof Object && passesAt(value, depth + 1);
}

function conditionsHold(property: PropertyPlan, object: object, value: unknown): boolean {
  for (const condition of property.conditions) if (!condition(object, value)) return false;
  return true;
}

function passesAt(object: object, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  const plan = typeof object.constructor === 'function' ? planFor(object.constructor) : UNCOVERED;
  if (plan === UNCOVERED) return false;
  // for-in also sees inherited enumerable keys, which class-validator would not refuse: those only
  // send the input the long way
  for (const key in object) if (!plan.known.has(key)) return false;
  for (const property of plan.properties) {
    const value = (object as Record<string, unknown>)[property.name];
    if (value instanceof Promise) return false;
    if (!conditionsHold(property, object, value)) continue;
    for (const check of property.checks) if (!runCheck(check, object, value)) return false;
    if (property.nested && value !== undefined && !nestedPasses(value, depth)) return false;
  }
  return true;
}

/** True when validateSync(instance, assertValid's options) would find nothing. */
export function passes(instance: object): boolean {
  return passesAt(instance, 0);
}
