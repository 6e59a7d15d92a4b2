import type { AccountEvent, DeviceOptions, LedgerEvent, SessionEvent, UnreadMode } from '../domain/events.js';
import { parseSessionId } from '../domain/identity.js';
import { messageKey, type Message } from '../domain/message.js';
import {
  NO_MARK, isShownByMessages, isVisible, newDeviceSessionModel, newSessionModel, toSession, viewUpdateTime,
  type AccountModel, type DeviceModel, type DeviceSessionModel, type Session, type SessionModel,
} from './read-model.js';
import { SortedIndex } from './sorted-index.js';
import { countsOn, effectiveMark, insertRecord, recount } from './unread-rules.js';

/** An event as projections consume it: the ledger event plus where it sits in the global log. */
export interface ProjectedEvent {
  readonly type: string;
  readonly data: any;
  readonly metadata: { readonly [k: string]: unknown };
  /** the list's owner: the account in the event's stream name */
  readonly account: string;
  /** global order (commit position as a number) */
  readonly seq: number;
}

/** A device view whose session object changed (or became visible) because of an event. */
export interface ViewChange {
  readonly account: string;
  readonly device: string;
  readonly sessionId: string;
  readonly commandId: string | undefined;
}

export class UnknownCursorError extends Error {
  override readonly name = 'UnknownCursorError';
}

export interface PageOptions {
  readonly lastSessionId?: string;
  readonly limit: number;
  readonly reverse?: boolean;
}

/**
 * Session list, unread and last-message-per-type read models of every account and device view,
 * folded from the ledger's events. Per event the work is O(devices of the account), plus an
 * ordered-index move; unread is a counter against read marks, recounted only after a mark moves.
 */
export class SessionListProjection {
  private readonly accounts = new Map<string, AccountModel>();

  // ---- writing -----------------------------------------------------------------------------

  /** Folds one event; returns the device views it changed. */
  apply(event: ProjectedEvent): ViewChange[] {
    const account = this.account(event.account);
    const changes = new Set<DeviceModel>();
    const e = { type: event.type, data: event.data } as LedgerEvent;
    if (e.type === 'DeviceRegistered' || e.type === 'DeviceSyncStarted') {
      return this.applyAccountEvent(account, e, event);
    }
    if (!isSessionEvent(e)) return []; // an event type from a newer version: nothing we can fold
    const session = this.session(account, e.data.sessionId);
    const before = new Map<DeviceModel, boolean>();
    for (const device of account.devices.values()) before.set(device, isVisible(session, this.view(device, session.id)));
    const touched = this.applySessionEvent(account, session, e, event.seq, changes);
    // Visibility may change for every device; their unread and index entries follow.
    const out: ViewChange[] = [];
    for (const device of account.devices.values()) {
      const view = this.view(device, session.id);
      const visible = isVisible(session, view);
      const wasVisible = before.get(device)!;
      if (visible !== wasVisible) this.setUnread(device, view, visible ? recount(device, session, view) : 0);
      this.reindex(device, session, view, visible);
      if (visible && (changes.has(device) || touched === 'all' || !wasVisible)) {
        out.push({ account: account.id, device: device.id, sessionId: session.id, commandId: commandIdOf(event) });
      }
    }
    return out;
  }

  private applyAccountEvent(account: AccountModel, e: AccountEvent, event: ProjectedEvent): ViewChange[] {
    switch (e.type) {
      case 'DeviceRegistered': {
        const known = account.devices.get(e.data.device);
        const device = known ?? this.newDevice(account, e.data.device, e.data.mode, e.data.options);
        if (known) {
          device.mode = e.data.mode;
          device.options = e.data.options;
        }
        // Modes C and D keep nothing from before the view existed (no local database).
        if (device.mode === 'C' || device.mode === 'D') device.epochSeq = event.seq;
        this.recountDevice(device, account);
        return [];
      }
      case 'DeviceSyncStarted': {
        const device = account.devices.get(e.data.device);
        if (!device || (device.mode !== 'C' && device.mode !== 'D')) return [];
        device.epochSeq = event.seq;
        const out: ViewChange[] = [];
        for (const [sessionId, view] of device.views) {
          view.mark = -Number.MAX_SAFE_INTEGER;
          view.batch = undefined;
          const session = account.sessions.get(sessionId)!;
          const next = isVisible(session, view) ? recount(device, session, view) : 0;
          if (next !== view.unread) {
            this.setUnread(device, view, next);
            out.push({ account: account.id, device: device.id, sessionId, commandId: commandIdOf(event) });
          }
        }
        return out;
      }
      default: {
        const never: never = e;
        throw new Error(`unknown account event ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * Applies a session event's facts. Returns 'all' when the session object changed for every
   * device, else 'some' after adding the changed devices to `changed`.
   */
  private applySessionEvent(account: AccountModel, session: SessionModel, e: SessionEvent, seq: number, changed: Set<DeviceModel>): 'all' | 'some' {
    switch (e.type) {
      case 'MessageReceived':
      case 'MessageSent': {
        const { message, delivery } = e.data;
        this.recordMessage(account, session, message);
        if (e.type === 'MessageSent') return 'all';
        const { readBy, counting } = e.data;
        for (const id of readBy.devices) {
          const device = account.devices.get(id);
          if (device) this.view(device, session.id).mark = Math.max(this.view(device, session.id).mark, message.time);
        }
        if (readBy.accountWide) session.accountMark = Math.max(session.accountMark, message.time);
        if (!counting) return 'all';
        const rec = { time: message.time, kind: delivery, seq, key: messageKey(message) };
        insertRecord(session.counting, rec);
        const readOn = new Set(readBy.devices);
        for (const device of account.devices.values()) {
          const view = this.view(device, session.id);
          if (!isVisible(session, view)) continue; // a revived view is recounted by apply()
          if (readOn.has(device.id) || (readBy.accountWide && device.mode === 'A')) {
            this.setUnread(device, view, recount(device, session, view)); // its mark moved to this message
          } else if (rec.time > effectiveMark(device, session, view) && countsOn(device, view, rec)) {
            this.setUnread(device, view, view.unread + 1);
          }
        }
        return 'all';
      }
      case 'SessionReset':
      case 'CurrentSessionSet': {
        const { device: deviceId, scope, mark } = e.data;
        const device = this.device(account, deviceId);
        if (e.type === 'CurrentSessionSet') device.current = session.id;
        if (scope === 'account') {
          session.accountMark = Math.max(session.accountMark, mark);
          for (const other of account.devices.values()) {
            if (other.mode !== 'A' && other !== device) continue;
            const view = this.view(other, session.id);
            const next = isVisible(session, view) ? recount(other, session, view) : 0;
            if (next !== view.unread || other === device) changed.add(other);
            this.setUnread(other, view, next);
          }
        } else {
          const view = this.view(device, session.id);
          view.mark = Math.max(view.mark, mark);
          this.setUnread(device, view, isVisible(session, view) ? recount(device, session, view) : 0);
          changed.add(device);
        }
        return 'some';
      }
      case 'CurrentSessionCleared': {
        const device = this.device(account, e.data.device);
        if (device.current === session.id) device.current = undefined;
        return 'some';
      }
      case 'ReceiptReceived':
        session.msgReceiptTime = Math.max(session.msgReceiptTime ?? -Infinity, e.data.msgReceiptTime);
        return 'all';
      case 'SessionInserted': {
        // Local to the inserting device: an empty session there; nothing older counts on it.
        const device = this.device(account, e.data.device);
        const view = this.view(device, session.id);
        view.insertedUpdateTime = e.data.updateTime;
        view.insertFloor = Math.max(view.insertFloor, session.lastMsg?.time ?? NO_MARK);
        this.setUnread(device, view, recount(device, session, view));
        changed.add(device);
        return 'some';
      }
      case 'LocalCustomUpdated': {
        const device = this.device(account, e.data.device);
        this.view(device, session.id).localCustom = e.data.localCustom;
        changed.add(device);
        return 'some';
      }
      case 'SessionDeleted': {
        const { scope } = e.data;
        const deletedAt = e.data.at;
        if (scope === 'server') {
          session.hiddenEverywhere = true;
          session.serverDeletedAt = Math.max(session.serverDeletedAt, deletedAt);
          for (const device of account.devices.values()) {
            if (device.current === session.id) device.current = undefined;
            this.view(device, session.id).insertedUpdateTime = undefined;
          }
        } else {
          const device = this.device(account, e.data.device);
          const view = this.view(device, session.id);
          view.hidden = true;
          view.hiddenAt = Math.max(view.hiddenAt, deletedAt);
          view.insertedUpdateTime = undefined;
          if (device.current === session.id) device.current = undefined;
        }
        return 'some';
      }
      case 'OfflineBatchSynced': {
        const device = this.device(account, e.data.device);
        const view = this.view(device, session.id);
        view.batch = new Set(e.data.keys);
        this.setUnread(device, view, isVisible(session, view) ? recount(device, session, view) : 0);
        changed.add(device);
        return 'some';
      }
      default: {
        const never: never = e;
        throw new Error(`unknown session event ${JSON.stringify(never)}`);
      }
    }
  }

  private recordMessage(account: AccountModel, session: SessionModel, message: Message): void {
    session.exists = true;
    if (session.hiddenEverywhere && message.time > session.serverDeletedAt) session.hiddenEverywhere = false;
    for (const device of account.devices.values()) {
      const view = this.view(device, session.id);
      if (view.hidden && message.time > view.hiddenAt) view.hidden = false;
      // Once its messages show the session here again, a locally inserted empty one becomes the ordinary one.
      if (view.insertedUpdateTime !== undefined && message.time > view.insertFloor && isShownByMessages(session, view)) view.insertedUpdateTime = undefined;
    }
    // S2.2: late history never replaces the last message.
    if (!session.lastMsg || message.time >= session.lastMsg.time) {
      session.lastMsg = message;
      session.updateTime = message.time;
    }
    const sameType = session.lastByType.get(message.type);
    if (!sameType || message.time >= sameType.time) session.lastByType.set(message.type, message);
  }

  // ---- model plumbing ----------------------------------------------------------------------

  private account(id: string): AccountModel {
    let account = this.accounts.get(id);
    if (!account) {
      account = { id, sessions: new Map(), devices: new Map() };
      this.accounts.set(id, account);
    }
    return account;
  }

  private session(account: AccountModel, sessionId: string): SessionModel {
    let session = account.sessions.get(sessionId);
    if (!session) {
      const parsed = parseSessionId(sessionId);
      if (!parsed) throw new Error(`not a session id: ${sessionId}`);
      session = newSessionModel(sessionId, parsed.scene, parsed.to);
      account.sessions.set(sessionId, session);
    }
    return session;
  }

  /** An event may name a device that was never registered: it gets the default options (mode B). */
  private device(account: AccountModel, id: string): DeviceModel {
    return account.devices.get(id) ?? this.newDevice(account, id, 'B', { db: true, syncSessionUnread: false, autoMarkRead: false });
  }

  private newDevice(account: AccountModel, id: string, mode: UnreadMode, options: DeviceOptions): DeviceModel {
    const device: DeviceModel = { id, mode, options, epochSeq: -1, current: undefined, totalUnread: 0, views: new Map(), index: new SortedIndex() };
    account.devices.set(id, device);
    this.recountDevice(device, account);
    return device;
  }

  private view(device: DeviceModel, sessionId: string): DeviceSessionModel {
    let view = device.views.get(sessionId);
    if (!view) {
      view = newDeviceSessionModel();
      device.views.set(sessionId, view);
    }
    return view;
  }

  private recountDevice(device: DeviceModel, account: AccountModel): void {
    for (const session of account.sessions.values()) {
      const view = this.view(device, session.id);
      const visible = isVisible(session, view);
      this.setUnread(device, view, visible ? recount(device, session, view) : 0);
      this.reindex(device, session, view, visible);
    }
  }

  private setUnread(device: DeviceModel, view: DeviceSessionModel, unread: number): void {
    device.totalUnread += unread - view.unread;
    view.unread = unread;
  }

  private reindex(device: DeviceModel, session: SessionModel, view: DeviceSessionModel, visible: boolean): void {
    const updateTime = viewUpdateTime(session, view);
    if (view.indexedAt !== undefined && (!visible || view.indexedAt !== updateTime)) {
      device.index.remove({ updateTime: view.indexedAt, id: session.id });
      view.indexedAt = undefined;
    }
    if (visible && view.indexedAt === undefined) {
      device.index.insert({ updateTime, id: session.id });
      view.indexedAt = updateTime;
    }
  }

  // ---- reading -----------------------------------------------------------------------------

  hasDevice(account: string, device: string): boolean {
    return this.accounts.get(account)?.devices.has(device) ?? false;
  }

  deviceMode(account: string, device: string): { mode: UnreadMode; options: DeviceOptions } | undefined {
    const d = this.accounts.get(account)?.devices.get(device);
    return d && { mode: d.mode, options: d.options };
  }

  currentSession(account: string, device: string): string | undefined {
    return this.accounts.get(account)?.devices.get(device)?.current;
  }

  /** S6.2: the session as this device sees it, or null when it is not in its list. */
  getSession(account: string, device: string, sessionId: string): Session | null {
    const a = this.accounts.get(account);
    const session = a?.sessions.get(sessionId);
    const d = a?.devices.get(device);
    if (!session || !d) return null;
    const view = d.views.get(sessionId);
    return view && isVisible(session, view) ? toSession(session, view) : null;
  }

  /** S6.1: most recent first; `reverse` from the oldest; `lastSessionId` is an exclusive cursor. */
  listSessions(account: string, device: string, options: PageOptions): Session[] {
    const a = this.accounts.get(account);
    const d = a?.devices.get(device);
    let cursor: { updateTime: number; id: string } | undefined;
    if (options.lastSessionId !== undefined) {
      const view = d?.views.get(options.lastSessionId);
      if (!d || !view || view.indexedAt === undefined) {
        throw new UnknownCursorError(`lastSessionId ${JSON.stringify(options.lastSessionId)} is not a session of ${account}'s list on device ${device}: pass the id of the last session of the previous page`);
      }
      cursor = { updateTime: view.indexedAt, id: options.lastSessionId };
    }
    if (!a || !d) return [];
    return d.index.page(cursor, options.limit, options.reverse ?? false).map((id) => toSession(a.sessions.get(id)!, d.views.get(id)!));
  }

  /** Every visible session of the view, most recent first (S3.3 delivers the first 100). */
  allSessions(account: string, device: string): Session[] {
    const a = this.accounts.get(account);
    const d = a?.devices.get(device);
    if (!a || !d) return [];
    return [...d.index.descending()].map((id) => toSession(a.sessions.get(id)!, d.views.get(id)!));
  }

  /** S6.3: sessions by their newest message of a type not excluded, by that message's time. */
  listByMessageType(account: string, device: string, options: { exclude: readonly string[]; limit: number; lastSessionId?: string }): Session[] {
    const a = this.accounts.get(account);
    const d = a?.devices.get(device);
    if (!a || !d) return [];
    const exclude = new Set(options.exclude);
    const candidates: { time: number; id: string; msg: Message }[] = [];
    for (const id of d.index.descending()) {
      const session = a.sessions.get(id)!;
      const view = d.views.get(id)!;
      const floor = Math.max(session.serverDeletedAt, view.hiddenAt, view.insertFloor);
      let best: Message | undefined;
      for (const [type, msg] of session.lastByType) {
        if (exclude.has(type) || msg.time <= floor) continue;
        if (!best || msg.time > best.time) best = msg;
      }
      if (best) candidates.push({ time: best.time, id, msg: best });
    }
    // The candidates are ordered by their own message time, which the update-time index does not give.
    candidates.sort((x, y) => (y.time - x.time) || (x.id < y.id ? 1 : x.id > y.id ? -1 : 0));
    let start = 0;
    if (options.lastSessionId !== undefined) {
      const at = candidates.findIndex((c) => c.id === options.lastSessionId);
      if (at < 0) throw new UnknownCursorError(`lastSessionId ${JSON.stringify(options.lastSessionId)} is not in this result list: pass the id of the last session of the previous page`);
      start = at + 1;
    }
    return candidates.slice(start, start + options.limit).map((c) => ({ ...toSession(a.sessions.get(c.id)!, d.views.get(c.id)!), lastMsg: { ...c.msg } }));
  }

  /** Ids of this view's sessions with unread > 0 (S4.4). */
  unreadSessionIds(account: string, device: string): string[] {
    const d = this.accounts.get(account)?.devices.get(device);
    if (!d) return [];
    return [...d.index.descending()].filter((id) => d.views.get(id)!.unread > 0);
  }

  totalUnread(account: string, device: string): number {
    return this.accounts.get(account)?.devices.get(device)?.totalUnread ?? 0;
  }

  /** Greatest updateTime among the account's sessions, as any of its devices sees them (S7.1). */
  maxUpdateTime(account: string): number {
    const a = this.accounts.get(account);
    let max = -Infinity;
    for (const s of a?.sessions.values() ?? []) if (s.exists) max = Math.max(max, s.updateTime);
    for (const d of a?.devices.values() ?? []) for (const v of d.views.values()) if (v.insertedUpdateTime !== undefined) max = Math.max(max, v.insertedUpdateTime);
    return max;
  }

  msgReceiptTime(account: string, sessionId: string): number | undefined {
    return this.accounts.get(account)?.sessions.get(sessionId)?.msgReceiptTime;
  }

  accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  devicesOf(account: string): string[] {
    return [...(this.accounts.get(account)?.devices.keys() ?? [])];
  }

  // ---- snapshots ---------------------------------------------------------------------------

  /** The read models as JSON, tagged with SNAPSHOT_VERSION. */
  toSnapshot(): unknown {
    return {
      version: SNAPSHOT_VERSION,
      accounts: [...this.accounts.values()].map((a) => ({
        id: a.id,
        sessions: [...a.sessions.values()].map((s) => ({ ...s, lastByType: [...s.lastByType] })),
        devices: [...a.devices.values()].map((d) => ({
          id: d.id, mode: d.mode, options: d.options, epochSeq: d.epochSeq, current: d.current, totalUnread: d.totalUnread,
          views: [...d.views].map(([id, v]) => [id, { ...v, batch: v.batch && [...v.batch] }]),
        })),
      })),
    };
  }

  /** null for a snapshot of another format version: the caller rebuilds from position 0 instead. */
  static fromSnapshot(snapshot: unknown): SessionListProjection | null {
    const tagged = snapshot as { version?: unknown; accounts?: unknown[] } | null;
    if (!tagged || tagged.version !== SNAPSHOT_VERSION || !Array.isArray(tagged.accounts)) return null;
    const p = new SessionListProjection();
    for (const a of tagged.accounts as any[]) {
      const account = p.account(a.id);
      for (const s of a.sessions) account.sessions.set(s.id, { ...newSessionModel(s.id, s.scene, s.to), ...s, lastByType: new Map(s.lastByType) });
      for (const d of a.devices) {
        const device: DeviceModel = { ...d, views: new Map(), index: new SortedIndex() };
        for (const [id, v] of d.views as [string, any][]) {
          // Fields JSON dropped (undefined) come back as their defaults.
          const view: DeviceSessionModel = { ...newDeviceSessionModel(), ...v, batch: v.batch && new Set(v.batch) };
          device.views.set(id, view);
          if (view.indexedAt !== undefined) device.index.insert({ updateTime: view.indexedAt, id });
        }
        account.devices.set(d.id, device);
      }
    }
    return p;
  }
}

/** Bump when the read-model shape changes: older snapshots are then ignored and rebuilt from 0. */
export const SNAPSHOT_VERSION = 2;

function isSessionEvent(e: { type: string }): e is SessionEvent {
  return SESSION_EVENT_TYPES.has(e.type);
}

const SESSION_EVENT_TYPES = new Set<string>([
  'MessageReceived', 'MessageSent', 'SessionReset', 'CurrentSessionSet', 'CurrentSessionCleared', 'ReceiptReceived',
  'SessionInserted', 'LocalCustomUpdated', 'SessionDeleted', 'OfflineBatchSynced',
]);

function commandIdOf(event: ProjectedEvent): string | undefined {
  const id = event.metadata['commandId'];
  return typeof id === 'string' ? id : undefined;
}
