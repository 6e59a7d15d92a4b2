import { MAX_APPEND_BYTES, runsWithin } from '../../domain/event-size.js';
import { ValidationError } from '../errors.js';
import type { EventToAppend } from '../ports/event-store.js';

/** room each event of a split step keeps for its `split` mark in the metadata */
const SPLIT_MARK_BYTES = 32;

/** The bytes an event takes as EventStoreDB counts them against its limits: data and metadata as JSON, twice the type. */
export function eventBytes(event: Pick<EventToAppend, 'type' | 'data' | 'metadata'>, metadataBytes?: number): number {
  return Buffer.byteLength(JSON.stringify(event.data ?? null)) + (metadataBytes ?? Buffer.byteLength(JSON.stringify(event.metadata ?? null))) + event.type.length * 2;
}

/** the field of the command an event records, as the caller knows it */
function fieldOf(type: string): string {
  if (type === 'MessageReceived' || type === 'MessageSent') return 'message';
  if (type === 'LocalCustomUpdated') return 'localCustom';
  return 'input';
}

/**
 * A step's events as the appends that carry them (issue 9): one append when they fit in
 * MAX_APPEND_BYTES (nearly always), else consecutive runs that each fit. An event that alone would
 * not fit is refused before anything of the step is appended. All events share `metadata`'s size.
 */
export function appendsFor(commandType: string, events: readonly EventToAppend[], metadataBytes: number, budget = MAX_APPEND_BYTES): EventToAppend[][] {
  const sizes = events.map((e) => eventBytes(e, metadataBytes));
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total <= budget) return [[...events]];
  sizes.forEach((size, i) => {
    if (size + SPLIT_MARK_BYTES <= budget) return;
    const field = fieldOf(events[i]!.type);
    throw new ValidationError(commandType, [{
      field, value: undefined,
      constraints: { maxEventSize: `${field} would be recorded as a ${events[i]!.type} of ${size} bytes; an event may take at most ${budget - SPLIT_MARK_BYTES} bytes (EventStoreDB's default maximum append size, ${budget}, on every store): make it smaller` },
    }]);
  });
  return runsWithin(events, (_, i) => sizes[i]! + SPLIT_MARK_BYTES, budget);
}
