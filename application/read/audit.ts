import { accountPrefix, accountStream, parseStream, sessionStream } from '../../domain/identity.js';
import type { EventMetadata, EventType, LedgerEvent } from '../../domain/events.js';
import type { Session } from '../../projections/session-list/model.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
import { applyRecorded } from './event-log.js';
import { comparePositions, type EventStore, type RecordedEvent } from '../ports/event-store.js';

/** One recorded event with its metadata, typed by its type: narrow on `type` to read `data`. */
export type HistoryEntry<T extends EventType = EventType> = LedgerEvent extends infer E
  ? E extends LedgerEvent ? (E['type'] extends T ? { readonly type: E['type']; readonly data: E['data']; readonly metadata: EventMetadata } : never) : never
  : never;

export type TimelineEntry = HistoryEntry & {
  /** this device's unread for the session right after the event */
  readonly unread: number;
  readonly visible: boolean;
};

/** The session's own events, and the account stream's events about it (its current-session changes). */
function isAbout(e: RecordedEvent, account: string, sessionId: string): boolean {
  const stream = parseStream(e.streamName);
  if (stream?.account !== account) return false;
  if (stream.kind === 'session') return stream.sessionId === sessionId;
  return (e.data as { sessionId?: unknown } | null)?.sessionId === sessionId;
}

function entryOf(e: RecordedEvent): HistoryEntry {
  return { type: e.type, data: e.data, metadata: e.metadata } as HistoryEntry;
}

/**
 * Replays an account's history into a fresh projection: the events `keep` accepts, `after` each
 * one. Only the account's own streams are read (S10.3), so the cost grows with its history alone.
 */
async function replay(store: EventStore, account: string, keep: (e: RecordedEvent) => boolean, after?: (p: SessionListProjection, e: RecordedEvent) => void): Promise<SessionListProjection> {
  const projection = new SessionListProjection();
  for (const e of await store.readStreamsWithPrefix(accountPrefix(account))) {
    if (!keep(e)) continue;
    applyRecorded(projection, e);
    after?.(projection, e);
  }
  return projection;
}

/** S10.3: the session's events with their metadata, in the order of the log. */
export async function history(store: EventStore, { account, sessionId }: { account: string; sessionId: string }): Promise<HistoryEntry[]> {
  const [own, about] = await Promise.all([store.readStream(sessionStream(account, sessionId)), store.readStream(accountStream(account))]);
  const events = about.length === 0 ? own : [...own, ...about.filter((e) => isAbout(e, account, sessionId))].sort((a, b) => comparePositions(a.position, b.position));
  return events.map(entryOf);
}

/** S10.3: a device's list as it was at ledger time `at`, rebuilt by replay; most recent first. */
export async function sessionsAt(store: EventStore, { account, device, at }: { account: string; device: string; at: number }): Promise<Session[]> {
  const projection = await replay(store, account, (e) => (e.metadata as EventMetadata).at <= at);
  return projection.reader.allSessions(account, device);
}

/** The audit timeline of one session: every event with the device's unread right after it. */
export async function timeline(store: EventStore, { account, sessionId, device }: { account: string; sessionId: string; device: string }): Promise<TimelineEntry[]> {
  const out: TimelineEntry[] = [];
  await replay(store, account, () => true, (projection, e) => {
    if (!isAbout(e, account, sessionId)) return;
    const session = projection.reader.getSession(account, device, sessionId);
    out.push({ ...entryOf(e), unread: session?.unread ?? 0, visible: session !== null });
  });
  return out;
}
