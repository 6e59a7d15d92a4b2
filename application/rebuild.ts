import { parseStream, STREAM_ROOT } from '../domain/identity.js';
import { SessionListProjection } from '../projections/session-list-projection.js';
import { START, type EventStore, type Position } from './ports/event-store.js';
import { SESSION_LIST_CHECKPOINT } from './projection-runner.js';

const PAGE = 5000;

/** Rebuilds the read models from position 0 and stores them as the new checkpoint. */
export async function rebuildReadModels(store: EventStore, onProgress?: (events: number) => void): Promise<{ events: number; accounts: number }> {
  const projection = new SessionListProjection();
  let from: Position = START;
  let count = 0;
  let last: Position | undefined;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: PAGE, filter: { streamPrefixes: [STREAM_ROOT] } });
    for (const e of page) {
      const stream = parseStream(e.streamName);
      if (stream) projection.apply({ type: e.type, data: e.data, metadata: e.metadata, account: stream.account, seq: Number(e.position.commit) });
    }
    count += page.length;
    if (page.length > 0) last = page[page.length - 1]!.position;
    onProgress?.(count);
    if (page.length < PAGE) break;
    from = page[page.length - 1]!.position;
  }
  if (last) await store.writeCheckpoint(SESSION_LIST_CHECKPOINT, { position: last, state: projection.toSnapshot() });
  return { events: count, accounts: projection.accountIds().length };
}
