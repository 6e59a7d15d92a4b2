import {
  ANY, NO_STREAM, STREAM_EXISTS, eventTypeFilter, excludeSystemEvents, streamNameFilter,
  type AllStreamSubscription, type AppendExpectedRevision, type Filter,
} from '@eventstore/db-client';
import type { ExpectedRevision, Position, SubscribeOptions } from '../../../application/ports/event-store.js';

export function toClientExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

/**
 * The server-side part of the port's filter: one of stream prefixes or event-type prefixes (the
 * other, and the exclusion of system events, apply again client-side), else "no system events".
 */
export function serverFilter(
  filter: SubscribeOptions['filter'],
  onCheckpoint: (subscription: AllStreamSubscription, position: Position) => void,
): Filter {
  const checkpointReached = (subscription: unknown, position: Position) => onCheckpoint(subscription as AllStreamSubscription, position);
  // an empty list keeps nothing: the client-side check drops everything, the server sends checkpoints
  if (filter?.streamPrefixes?.length) return streamNameFilter({ prefixes: [...filter.streamPrefixes], checkpointReached });
  if (filter?.eventTypePrefixes?.length) return eventTypeFilter({ prefixes: [...filter.eventTypePrefixes], checkpointReached });
  return excludeSystemEvents({ checkpointReached });
}

