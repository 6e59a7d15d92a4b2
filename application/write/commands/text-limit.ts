import { ValidateBy, type ValidationOptions } from 'class-validator';
import { MAX_ID_LENGTH, MAX_SESSION_ID_LENGTH, MAX_TEXT_LENGTH } from '../../../domain/event-size.js';
import { maxUnitsText } from '../../validation.js';

/**
 * A string of at most `limit` UTF-16 units (JavaScript's length), the unit the size bounds in
 * domain/event-size.ts are worked out in. Anything that is not a string passes: saying it is a
 * string is another decorator's part (each field also has IsString).
 */
function maxUnits(limit: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({
    name: 'maxLength',
    constraints: [limit],
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || value.length <= limit,
      defaultMessage: () => `$property ${maxUnitsText(limit)}`,
    },
  }, options);
}

/**
 * Issue 9: a text of at most MAX_TEXT_LENGTH units. class-validator's MaxLength counts a surrogate
 * pair and a character with its variation selector as one, so it let up to three times as many
 * units (and 3.5 times the UTF-8 bytes) through.
 */
export function MaxTextLength(options?: ValidationOptions): PropertyDecorator {
  return maxUnits(MAX_TEXT_LENGTH, options);
}

/** S10.1: an id (account, device, peer, team, a message's ids and type) of at most MAX_ID_LENGTH units. */
export function MaxIdLength(options?: ValidationOptions): PropertyDecorator {
  return maxUnits(MAX_ID_LENGTH, options);
}

/** S10.1: a session id (`p2p-…`, `team-…`, `superTeam-…`) of at most MAX_SESSION_ID_LENGTH units. */
export function MaxSessionIdLength(options?: ValidationOptions): PropertyDecorator {
  return maxUnits(MAX_SESSION_ID_LENGTH, options);
}
