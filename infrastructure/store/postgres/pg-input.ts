import type { EventFilter, EventToAppend, Position } from '../../../application/ports/event-store.js';
import { checkWellFormed, preview } from '../shared/append-rules.js';

/**
 * What PostgreSQL cannot store, refused before any statement runs, with the field named. Its
 * `text` holds no NUL character; the driver encodes strings as UTF-8, which would turn a lone
 * surrogate into U+FFFD, so two names differing only there would become one stream; and a stream
 * or checkpoint name must fit the btree indexes it keys (an index entry holds at most 2704 bytes).
 */
export const MAX_STREAM_NAME_BYTES = 2048;

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

export function checkStreamName(stream: unknown): void {
  if (typeof stream === 'string') checkName('stream name', stream); // the shared rules name what is wrong with a non-string
}

export function checkEvents(stream: string, events: readonly EventToAppend[]): void {
  for (const event of events) {
    if (typeof event?.type === 'string') checkText(`the type of event ${String(event.id)} in stream ${preview(stream)}`, event.type);
  }
}

export function checkFilter(filter: EventFilter | undefined): void {
  for (const key of ['streamPrefixes', 'eventTypePrefixes'] as const) {
    const prefixes = filter?.[key] ?? [];
    for (let i = 0; i < prefixes.length; i++) {
      const prefix = prefixes[i];
      if (typeof prefix === 'string') checkText(`filter ${key}[${i}]`, prefix);
    }
  }
}

/** checkFilter's error as a value (for a subscription, which fails through `done`), or undefined */
export function filterError(filter: EventFilter | undefined): unknown {
  try {
    checkFilter(filter);
    return undefined;
  } catch (error) {
    return error;
  }
}

export function checkCheckpointName(name: unknown): void {
  if (typeof name === 'string') checkName('checkpoint name', name);
}

/** a name that keys an index: text PostgreSQL holds, of at most MAX_STREAM_NAME_BYTES */
function checkName(field: string, name: string): void {
  checkText(field, name);
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_STREAM_NAME_BYTES) {
    throw new RangeError(`the ${field} is ${bytes} bytes in UTF-8 (${preview(name)}); the PostgreSQL store takes at most ${MAX_STREAM_NAME_BYTES}: shorten it`);
  }
}

export function checkCheckpointPosition(name: string, position: Position): void {
  for (const part of ['commit', 'prepare'] as const) {
    const value = position?.[part];
    if (typeof value !== 'bigint' || value < INT8_MIN || value > INT8_MAX) {
      throw new RangeError(`checkpoint ${name}: position ${part} ${String(value)} is not a bigint PostgreSQL can store (-2^63 to 2^63-1): pass a position the store gave you`);
    }
  }
}

/** A log bound clamped into bigint's range: no position lies beyond it, so reads answer the same. */
export function clampBound(bound: bigint): bigint {
  return bound < INT8_MIN ? INT8_MIN : bound > INT8_MAX ? INT8_MAX : bound;
}

function checkText(field: string, text: string): void {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) throw new TypeError(`the ${field} ${preview(text)} holds a NUL character (U+0000) at index ${nul}, which PostgreSQL text cannot store: remove it`);
  checkWellFormed(field, text);
}
