import { accountPrefix, parseStream, sessionStream } from '../../domain/identity.js';
import type { EventMetadata } from '../../domain/events.js';
import type { Session } from '../../projections/read-model.js';
import { SessionListProjection } from '../../projections/session-list-projection.js';
import { applyRecorded, readLog } from './event-log.js';
import type { EventStore, RecordedEvent } from '../ports/event-store.js';

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

/** Replays an account's history into a fresh projection: the events `keep` accepts, `after` each one. */
async function replay(store: EventStore, account: string, keep: (e: RecordedEvent) => boolean, after?: (p: SessionListProjection, e: RecordedEvent) => void): Promise<SessionListProjection> {
  const projection = new SessionListProjection();
  for await (const e of readLog(store, { streamPrefixes: [accountPrefix(account)] })) {
    if (!keep(e)) continue;
    applyRecorded(projection, e);
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
