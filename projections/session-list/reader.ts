import type { DeviceOptions, UnreadMode } from '../../domain/events.js';
import type { Session } from './model.js';

export interface PageOptions {
  readonly lastSessionId?: string;
  readonly limit: number;
  readonly reverse?: boolean;
}

export interface ByTypeOptions {
  readonly exclude: readonly string[];
  readonly limit: number;
  readonly lastSessionId?: string;
}

/** A paging cursor that names no session of the list. */
export class UnknownCursorError extends Error {
  override readonly name = 'UnknownCursorError';
}

/**
 * The read-model port: what the write side, the query bus, the device views and the tools read.
 * The in-process projection implements it; another read-model store can implement it again.
 * Reads are synchronous: they answer from what the read model has applied so far.
 */
export interface SessionListReader {
  hasDevice(account: string, device: string): boolean;
  deviceMode(account: string, device: string): { mode: UnreadMode; options: DeviceOptions } | undefined;
  /** S7.7: the device's login, the syncs a device without a database made (0 for others and unknown devices) */
  deviceLogin(account: string, device: string): number;
  devicesOf(account: string): string[];
  accountIds(): string[];
  /** the device's current session (S4.2) */
  currentSession(account: string, device: string): string | undefined;
  /** S6.2: the session as this device sees it, or null when it is not in its list */
  getSession(account: string, device: string, sessionId: string): Session | null;
  /** S6.1: most recent first; `reverse` from the oldest; `lastSessionId` is an exclusive cursor */
  listSessions(account: string, device: string, options: PageOptions): Session[];
  /** every visible session of the view, most recent first */
  allSessions(account: string, device: string): Session[];
  /** S6.3: sessions by their newest message of a type not excluded, by that message's time */
  listByMessageType(account: string, device: string, options: ByTypeOptions): Session[];
  /** S4.4: ids of the view's sessions with unread > 0, most recent first */
  unreadSessionIds(account: string, device: string): string[];
  /** S4.7 */
  totalUnread(account: string, device: string): number;
  /** S7.1: the greatest updateTime among the account's sessions, as any of its devices sees them */
  maxUpdateTime(account: string): number;
  /** S5.3 */
  msgReceiptTime(account: string, sessionId: string): number | undefined;
}
