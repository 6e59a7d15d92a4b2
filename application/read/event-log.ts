import { parseStream } from '../../domain/identity.js';
import type { ViewChange } from '../../projections/session-list/fold.js';
import type { SessionListProjection } from '../../projections/session-list/projection.js';
import { START, StoreCorruptError, type EventFilter, type EventStore, type Position, type RecordedEvent } from '../ports/event-store.js';

/** A view change with the command that caused it: a view groups a sync's changes by it (S3.1). */
export interface CommandChange extends ViewChange {
  readonly commandId: string | undefined;
}

const PAGE = 1000;

/** The global log from the start, in order, read page by page. */
export async function* readLog(store: EventStore, filter: EventFilter, pageSize = PAGE): AsyncGenerator<RecordedEvent> {
  for await (const page of readPages(store, filter, pageSize)) yield* page;
}

/** readLog a page at a time: one await per page rather than per event, for a caller that folds many. */
export async function* readPages(store: EventStore, filter: EventFilter, pageSize = PAGE): AsyncGenerator<readonly RecordedEvent[]> {
  let from: Position = START;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: pageSize, filter });
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    from = page[page.length - 1]!.position;
  }
}

/** Folds one committed event into a projection; events outside the ledger's streams change nothing. */
export function applyRecorded(projection: SessionListProjection, event: RecordedEvent): CommandChange[] {
  const changes = foldRecorded(projection, event);
  if (changes.length === 0) return [];
  const commandId = typeof event.metadata['commandId'] === 'string' ? event.metadata['commandId'] : undefined;
  return changes.map((change) => ({ ...change, commandId }));
}

/**
 * applyRecorded for a caller that does not route the changes (a rebuild): nothing more is built.
 * `accounts` remembers each stream's account (undefined: not a ledger stream) across calls.
 */
export function foldRecorded(projection: SessionListProjection, event: RecordedEvent, accounts?: Map<string, string | undefined>): readonly ViewChange[] {
  let account = accounts?.get(event.streamName);
  if (account === undefined) {
    account = parseStream(event.streamName)?.account;
    accounts?.set(event.streamName, account);
  }
  if (account === undefined) return [];
  try {
    // the prepare position: the events of one EventStoreDB append share their commit position (the other stores number both alike)
    return projection.apply({ type: event.type, data: event.data, account, seq: Number(event.position.prepare) });
  } catch (error) {
    // A recorded event whose data no longer has its type's shape (a damaged page that still parses
    // as JSON, a manual edit): named, rather than a bare TypeError from deep inside the fold.
    throw new StoreCorruptError('the event store', `the event at position ${event.position.commit} (stream ${JSON.stringify(event.streamName.slice(0, 80))}, revision ${event.revision}, type ${JSON.stringify(event.type.slice(0, 40))}) does not fit its type: ${(error as Error)?.message ?? String(error)}`, error);
  }
}
