import { STREAM_ROOT } from '../../domain/identity.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
import { foldRecorded, readPages } from './event-log.js';
import type { EventStore, Position } from '../ports/event-store.js';
import { SESSION_LIST_CHECKPOINT } from './projection-runner.js';

const PROGRESS_EVERY = 5000;
/** small pages: events of a page die young, so garbage collection does not copy them around */
const REBUILD_PAGE = 500;

/** Rebuilds the read models from position 0 and stores them as the new checkpoint. */
export async function rebuildReadModels(store: EventStore, onProgress?: (events: number) => void): Promise<{ events: number; accounts: number }> {
  const projection = new SessionListProjection();
  let count = 0;
  let last: Position | undefined;
  const accounts = new Map<string, string | undefined>();
  for await (const page of readPages(store, { streamPrefixes: [STREAM_ROOT] }, REBUILD_PAGE)) {
    for (const event of page) {
      foldRecorded(projection, event, accounts);
      if (++count % PROGRESS_EVERY === 0) onProgress?.(count);
    }
    last = page[page.length - 1]!.position;
  }
  onProgress?.(count);
  if (last) await store.writeCheckpoint(SESSION_LIST_CHECKPOINT, { position: last, state: projection.toSnapshot() });
  return { events: count, accounts: projection.reader.accountIds().length };
}
