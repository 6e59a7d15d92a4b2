import { validateSync, type ValidationError as ClassValidatorError } from 'class-validator';
import { ValidationError, type FieldError } from './errors.js';

function flatten(errors: readonly ClassValidatorError[], prefix: string, out: FieldError[]): void {
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) {
      const constraints: Record<string, string> = {};
      for (const [name, text] of Object.entries(e.constraints)) constraints[name] = text.startsWith(e.property) ? field + text.slice(e.property.length) : `${field}: ${text}`;
      out.push({ field, value: e.value, constraints });
    }
    if (e.children?.length) flatten(e.children, field, out);
  }
}

/** A command whose fields must also agree with each other (checked with the rest, S10.1). */
export interface CrossFieldChecked {
  crossFieldErrors(): FieldError[];
}

/** S10.1: validates a command or query instance; throws ValidationError naming every bad field. */
export function assertValid(instance: object): void {
  const out: FieldError[] = [];
  flatten(validateSync(instance, { forbidUnknownValues: true, whitelist: true, forbidNonWhitelisted: true }), '', out);
  const cross = (instance as Partial<CrossFieldChecked>).crossFieldErrors?.() ?? [];
  const bad = new Set(out.map((e) => e.field));
  for (const e of cross) if (!bad.has(e.field)) out.push(e);
  if (out.length > 0) throw new ValidationError(instance.constructor.name, out);
}

export function fieldProblem(field: string, value: unknown, rule: string, text: string): FieldError {
  return { field, value, constraints: { [rule]: `${field} ${text}` } };
}

