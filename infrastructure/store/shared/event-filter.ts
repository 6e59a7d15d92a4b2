import type { EventFilter } from '../../../application/ports/event-store.js';

/**
 * Whether an event passes a subscription or readAll filter. An absent list does not constrain;
 * an empty list keeps nothing; when both lists are given an event must pass both.
 */
export function matchesFilter(filter: EventFilter | undefined, event: { readonly streamName: string; readonly type: string }): boolean {
  if (!filter) return true;
  return startsWithAny(event.streamName, filter.streamPrefixes) && startsWithAny(event.type, filter.eventTypePrefixes);
}

function startsWithAny(value: string, prefixes: readonly string[] | undefined): boolean {
  return prefixes === undefined || prefixes.some((prefix) => value.startsWith(prefix));
}
