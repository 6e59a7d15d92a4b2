import { v5 as uuidv5 } from 'uuid';
import { deviceOf } from './commands/device-fields.js';

const NAMESPACE = 'a3d1c7b2-5e4f-5a60-8b9c-0d1e2f3a4b5c';

/** JSON with every object's keys sorted, so the same data gives the same text whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A short digest of a validated command's data: recorded with its events when the caller named
 * the command (an explicit commandId), so that a reuse of that id with another body is told
 * apart from a retry (S10.2, IdempotencyConflictError). The device is digested as the command
 * means it (left out is 'default'), so a retry may spell the default either way.
 */
export function commandFingerprint(command: object & { device?: string }): string {
  return uuidv5(canonical({ ...command, device: deviceOf(command) }), NAMESPACE);
}
