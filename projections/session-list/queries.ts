import type { DeviceOptions, UnreadMode } from '../../domain/events.js';
import type { Message } from '../../domain/message.js';
import { isAfter, isVisible, laterOf, toSession, type AccountModel, type DeviceModel, type Session } from './model.js';
import { compareKeys, type IndexKey } from './ordered-index.js';
import type { AccountModels } from './read-model-store.js';
import { UnknownCursorError, type ByTypeOptions, type PageOptions, type SessionListReader } from './reader.js';

/** The queries of the session-list read model: answered from its indexes, never by a sort. */
export class SessionListQueries implements SessionListReader {
  constructor(private readonly accounts: Pick<AccountModels, 'get' | 'ids'>) {}

  private deviceModel(account: string, device: string): { a: AccountModel; d: DeviceModel } | undefined {
    const a = this.accounts.get(account);
    const d = a?.devices.get(device);
    return a && d ? { a, d } : undefined;
  }

  hasDevice(account: string, device: string): boolean {
    return this.deviceModel(account, device) !== undefined;
  }

  deviceMode(account: string, device: string): { mode: UnreadMode; options: DeviceOptions } | undefined {
    const d = this.deviceModel(account, device)?.d;
    return d && { mode: d.mode, options: d.options };
  }

  deviceLogin(account: string, device: string): number {
    return this.deviceModel(account, device)?.d.login ?? 0;
  }

  devicesOf(account: string): string[] {
    return [...(this.accounts.get(account)?.devices.keys() ?? [])];
  }

  accountIds(): string[] {
    return this.accounts.ids();
  }

  currentSession(account: string, device: string): string | undefined {
    return this.deviceModel(account, device)?.d.current;
  }

  getSession(account: string, device: string, sessionId: string): Session | null {
    const found = this.deviceModel(account, device);
    const session = found?.a.sessions.get(sessionId);
    const view = found?.d.views.get(sessionId);
    return session && view && isVisible(session, view) ? toSession(session, view) : null;
  }

  listSessions(account: string, device: string, options: PageOptions): Session[] {
    const found = this.deviceModel(account, device);
    let cursor: IndexKey | undefined;
    if (options.lastSessionId !== undefined) {
      const view = found?.d.views.get(options.lastSessionId);
      if (!view || view.indexedAt === undefined) {
        throw new UnknownCursorError(`lastSessionId ${JSON.stringify(options.lastSessionId)} is not a session of ${account}'s list on device ${device}: pass the id of the last session of the previous page`);
      }
      cursor = { updateTime: view.indexedAt, id: options.lastSessionId };
    }
    if (!found) return [];
    const { a, d } = found;
    return d.index.page(cursor, options.limit, options.reverse ?? false).map((id) => toSession(a.sessions.get(id)!, d.views.get(id)!));
  }

  allSessions(account: string, device: string): Session[] {
    const found = this.deviceModel(account, device);
    if (!found) return [];
    const { a, d } = found;
    return [...d.index.descending()].map((id) => toSession(a.sessions.get(id)!, d.views.get(id)!));
  }

  /** A session's newest message of a type not excluded, later than what the device deleted or inserted over. */
  private newestOfTypes(a: AccountModel, d: DeviceModel, id: string, exclude: ReadonlySet<string>): Message | undefined {
    const session = a.sessions.get(id);
    const view = d.views.get(id);
    if (!session || !view || view.indexedAt === undefined) return undefined;
    const floor = laterOf(laterOf(session.serverDeleted, view.hiddenAt), view.insertFloor);
    let best: Message | undefined;
    for (const { type, message: msg, seq } of session.lastByType) {
      // S7.5: compared in the session's order
      if (exclude.has(type) || !isAfter({ time: msg.time, seq }, floor)) continue;
      if (!best || msg.time > best.time) best = msg;
    }
    return best;
  }

  /**
   * Merges the per-type indexes of the types not excluded, newest first: a session's first entry
   * that passes its floor is its newest such message, so each session is taken once, in order.
   */
  listByMessageType(account: string, device: string, options: ByTypeOptions): Session[] {
    const found = this.deviceModel(account, device);
    if (!found) return [];
    const { a, d } = found;
    const exclude = new Set(options.exclude);
    let cursor: IndexKey | undefined;
    if (options.lastSessionId !== undefined) {
      const last = this.newestOfTypes(a, d, options.lastSessionId, exclude);
      if (!last) throw new UnknownCursorError(`lastSessionId ${JSON.stringify(options.lastSessionId)} is not in this result list: pass the id of the last session of the previous page`);
      cursor = { updateTime: last.time, id: options.lastSessionId };
    }
    const heads: { key: IndexKey; rest: Iterator<IndexKey> }[] = [];
    for (const [type, index] of a.byType) {
      if (exclude.has(type)) continue;
      const rest = index.descendingBelow(cursor);
      const first = rest.next();
      if (!first.done) heads.push({ key: first.value, rest });
    }
    const out: Session[] = [];
    const taken = new Set<string>();
    while (out.length < options.limit && heads.length > 0) {
      let top = 0;
      for (let i = 1; i < heads.length; i++) if (compareKeys(heads[i]!.key, heads[top]!.key) > 0) top = i;
      const head = heads[top]!;
      const { id, updateTime } = head.key;
      const next = head.rest.next();
      if (next.done) heads.splice(top, 1);
      else head.key = next.value;
      if (taken.has(id)) continue;
      taken.add(id);
      // Its first entry is its newest; one below its floor, or below an earlier page's, is no place for it.
      const best = this.newestOfTypes(a, d, id, exclude);
      if (!best || best.time !== updateTime) continue;
      out.push({ ...toSession(a.sessions.get(id)!, d.views.get(id)!), lastMsg: { ...best } });
    }
    return out;
  }

  unreadSessionIds(account: string, device: string): string[] {
    const d = this.deviceModel(account, device)?.d;
    if (!d) return [];
    return [...d.index.descending()].filter((id) => d.views.get(id)!.unread > 0);
  }

  totalUnread(account: string, device: string): number {
    return this.deviceModel(account, device)?.d.totalUnread ?? 0;
  }

  maxUpdateTime(account: string): number {
    return this.accounts.get(account)?.maxUpdateTime ?? -Infinity;
  }

  msgReceiptTime(account: string, sessionId: string): number | undefined {
    return this.accounts.get(account)?.sessions.get(sessionId)?.msgReceiptTime;
  }
}
