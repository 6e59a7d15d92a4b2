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

/** S10.1: validates a command or query instance; throws ValidationError naming every bad field. */
export function assertValid(instance: object): void {
  const errors = validateSync(instance, { forbidUnknownValues: true, whitelist: true, forbidNonWhitelisted: true });
  if (errors.length === 0) return;
  const out: FieldError[] = [];
  flatten(errors, '', out);
  throw new ValidationError(instance.constructor.name, out);
}

export function fieldError(target: string, field: string, value: unknown, rule: string, text: string): ValidationError {
  return new ValidationError(target, [{ field, value, constraints: { [rule]: `${field} ${text}` } }]);
}
