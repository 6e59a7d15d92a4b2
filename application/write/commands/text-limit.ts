import { ValidateBy, type ValidationOptions } from 'class-validator';
import { MAX_TEXT_LENGTH } from '../../../domain/event-size.js';

/**
 * Issue 9: a string of at most MAX_TEXT_LENGTH UTF-16 units (JavaScript's length), the unit the
 * size bound in domain/event-size.ts is worked out in. class-validator's MaxLength counts a
 * surrogate pair and a character with its variation selector as one, so it let up to three times
 * as many units (and 3.5 times the UTF-8 bytes) through.
 */
export function MaxTextLength(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({
    name: 'maxLength',
    constraints: [MAX_TEXT_LENGTH],
    validator: {
      validate: (value: unknown) => typeof value === 'string' && value.length <= MAX_TEXT_LENGTH,
      defaultMessage: () => `$property must be at most ${MAX_TEXT_LENGTH} UTF-16 code units long (JavaScript's length)`,
    },
  }, options);
}
