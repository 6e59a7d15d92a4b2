import { accountPrefix, parseStream, sessionStream } from '../domain/identity.js';
import type { EventMetadata } from '../domain/events.js';
import type { Session } from '../projections/read-model.js';
import { SessionListProjection } from '../projections/session-list-projection.js';
import { START, type EventStore, type Position, type RecordedEvent } from './ports/event-store.js';

export interface HistoryEntry {
  readonly type: string;
  readonly data: any;
  readonly metadata: EventMetadata;
}

export interface TimelineEntry extends HistoryEntry {
  /** this device's unread for the session right after the event */
  readonly unread: number;
  readonly visible: boolean;
}

const PAGE = 1000;

async function* accountEvents(store: EventStore, account: string): AsyncGenerator<RecordedEvent> {
  let from: Position = START;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: PAGE, filter: { streamPrefixes: [accountPrefix(account)] } });
    for (const e of page) yield e;
    if (page.length < PAGE) return;
    from = page[page.length - 1]!.position;
  }
}

/** Replays an account's history into a fresh projection, stopping after `until` says so. */
async function replay(store: EventStore, account: string, keep: (e: RecordedEvent) => boolean, after?: (p: SessionListProjection, e: RecordedEvent) => void): Promise<SessionListProjection> {
  const projection = new SessionListProjection();
  for await (const e of accountEvents(store, account)) {
    if (!keep(e)) continue;
    projection.apply({ type: e.type, data: e.data, metadata: e.metadata, account, seq: Number(e.position.commit) });
    after?.(projection, e);
  }
  return projection;
}

/** S10.3: the session's events with their metadata, oldest first. */
export async function history(store: EventStore, account: string, sessionId: string): Promise<HistoryEntry[]> {
  const events = await store.readStream(sessionStream(account, sessionId));
  return events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata as EventMetadata }));
}

/** S10.3: a device's list as it was at ledger time `at`, rebuilt by replay; most recent first. */
export async function sessionsAt(store: EventStore, account: string, device: string, at: number): Promise<Session[]> {
  const projection = await replay(store, account, (e) => (e.metadata as EventMetadata).at <= at);
  return projection.allSessions(account, device);
}

/** The audit timeline of one session: every event with the device's unread right after it. */
export async function timeline(store: EventStore, account: string, sessionId: string, device: string): Promise<TimelineEntry[]> {
  const out: TimelineEntry[] = [];
  await replay(store, account, () => true, (projection, e) => {
    const parsed = parseStream(e.streamName);
    if (parsed?.kind !== 'session' || parsed.sessionId !== sessionId) return;
    const session = projection.getSession(account, device, sessionId);
    out.push({ type: e.type, data: e.data, metadata: e.metadata as EventMetadata, unread: session?.unread ?? 0, visible: session !== null });
  });
  return out;
}
