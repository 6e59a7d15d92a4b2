import { parseStream } from '../../domain/identity.js';
import type { ViewChange } from '../../projections/session-list/fold.js';
import type { SessionListProjection } from '../../projections/session-list/projection.js';
import { START, type EventFilter, type EventStore, type Position, type RecordedEvent } from '../ports/event-store.js';

const PAGE = 1000;

/** The global log from the start, in order, read page by page. */
export async function* readLog(store: EventStore, filter: EventFilter, pageSize = PAGE): AsyncGenerator<RecordedEvent> {
  let from: Position = START;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: pageSize, filter });
    yield* page;
    if (page.length < pageSize) return;
    from = page[page.length - 1]!.position;
  }
}

/** Folds one committed event into a projection; events outside the ledger's streams change nothing. */
export function applyRecorded(projection: SessionListProjection, event: RecordedEvent): ViewChange[] {
  const stream = parseStream(event.streamName);
  if (!stream) return [];
  return projection.apply({ type: event.type, data: event.data, metadata: event.metadata, account: stream.account, seq: Number(event.position.commit) });
}
