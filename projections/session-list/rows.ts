import { compareKeys, OrderedIndex, type IndexKey } from './ordered-index.js';
import { recount } from './unread.js';
import {
  NO_POINT, appended, isVisible, latestOfType, newAccountModel, newDeviceSessionModel, newSessionModel, viewUpdateTime,
  type AccountModel, type CountingRecord, type DeviceModel, type DeviceSessionModel, type Point, type SessionModel,
} from './model.js';
import type { Message } from '../../domain/message.js';

/**
 * The session-list read models as rows: what a read-model store keeps (tables, or one snapshot of
 * them). One account is an account row, a row per session, per device, per (device, session)
 * view, per counting message and per (session, message type). Facts are kept whole as JSON, so a
 * field the fold adds travels without a change here; the derived indexes (a device's ordered list,
 * the per-type indexes) are rebuilt from the rows, in the order their tables' indexes give.
 */
/**
 * Bump when the models' shape changes (a field added, removed, or read differently): saved rows
 * and snapshots of another version are then dropped and built again from the log.
 */
export const ROWS_VERSION = 7;

export interface AccountRow {
  readonly id: string;
  readonly maxUpdateTime: number | null;
}
export interface SessionRow {
  readonly sessionId: string;
  readonly facts: Record<string, unknown>;
}
export interface DeviceRow {
  readonly device: string;
  readonly facts: Record<string, unknown>;
}
export interface ViewRow {
  readonly device: string;
  readonly sessionId: string;
  /** the updateTime under which the view is listed; null while it is not visible */
  readonly updateTime: number | null;
  readonly unread: number;
  readonly facts: Record<string, unknown>;
}
export interface CountingRow {
  readonly sessionId: string;
  readonly record: CountingRecord;
}
export interface TypeRow {
  readonly sessionId: string;
  readonly type: string;
  readonly message: Message;
}

export interface AccountRows {
  readonly account: AccountRow;
  readonly sessions: readonly SessionRow[];
  readonly devices: readonly DeviceRow[];
  /** in (device, updateTime, sessionId) order for the visible ones, or any order */
  readonly views: readonly ViewRow[];
  /** per session in (time, seq) order */
  readonly counting: readonly CountingRow[];
  readonly types: readonly TypeRow[];
}

export function accountRow(account: AccountModel): AccountRow {
  return { id: account.id, maxUpdateTime: Number.isFinite(account.maxUpdateTime) ? account.maxUpdateTime : null };
}

export function sessionRow(session: SessionModel): SessionRow {
  const { counting: _counting, lastByType, ...facts } = session;
  return { sessionId: session.id, facts: { ...facts, typeSeqs: lastByType.map(({ type, seq }) => [type, seq]) } };
}

export function typeRows(session: SessionModel): TypeRow[] {
  return session.lastByType.map(({ type, message }) => ({ sessionId: session.id, type, message }));
}

/** A device's facts; its totalUnread is the sum of its views' unread, summed again at load (so a message leaves the row as it was). */
export function deviceRow(device: DeviceModel): DeviceRow {
  const { views: _views, index: _index, totalUnread: _total, ...facts } = device;
  return { device: device.id, facts };
}

/** The newest message time of any session: the part of an account's maxUpdateTime its session rows give again at load. */
export function sessionsMaxUpdateTime(sessions: Iterable<SessionModel>): number {
  let max = -Infinity;
  for (const session of sessions) if (session.lastMsg && session.updateTime > max) max = session.updateTime;
  return max;
}

/** A view's own facts, without what a load derives (its unread and list entry): what changes only when they do. */
export function viewOwnFacts(view: DeviceSessionModel): Record<string, unknown> {
  const { unread: _unread, indexedAt: _indexedAt, ...facts } = view;
  return { ...facts, batch: view.batch && [...view.batch] };
}

export function viewRow(device: DeviceModel, sessionId: string, view: DeviceSessionModel): ViewRow {
  return {
    device: device.id, sessionId, updateTime: view.indexedAt ?? null, unread: view.unread,
    facts: { ...view, batch: view.batch && [...view.batch] },
  };
}

/** Every row of an account (a snapshot, a rebuild, or an account whose changes are not narrowed). */
export function accountRows(account: AccountModel): AccountRows {
  const sessions = [...account.sessions.values()];
  const devices = [...account.devices.values()];
  return {
    account: accountRow(account),
    sessions: sessions.map(sessionRow),
    devices: devices.map(deviceRow),
    views: devices.flatMap((d) => [...d.views].map(([id, v]) => viewRow(d, id, v))),
    counting: sessions.flatMap((s) => s.counting.map((record) => ({ sessionId: s.id, record }))),
    types: sessions.flatMap(typeRows),
  };
}

/** A point read from a row: "no mark" is the one shared object, not a copy per row. */
function pointOf(p: Point | undefined): Point {
  return p === undefined || (p.time === NO_POINT.time && p.seq === NO_POINT.seq) ? NO_POINT : p;
}

/**
 * The newest message of the type of `lastMsg` is `lastMsg` itself (both take a message at least as
 * new as theirs): taken from the session row, so a store need not write that type's row with each
 * message (the one it holds may be older), and one object serves both.
 */
function lastMsgAsItsType(session: SessionModel, seqs: readonly [string, number][] | undefined): void {
  const last = session.lastMsg;
  if (!last) return;
  const entry = latestOfType(session, last.type);
  if (entry) entry.message = last;
  else session.lastByType = appended(session.lastByType, { type: last.type, message: last, seq: typeSeq(seqs, last.type) });
}

/** Where the session recorded its newest message of `type`; rows saved before the session's order was kept let the millisecond show (S7.5). */
function typeSeq(seqs: readonly [string, number][] | undefined, type: string): number {
  return seqs?.find(([t]) => t === type)?.[1] ?? Number.MAX_SAFE_INTEGER - 1;
}

/**
 * A view's unread, and its place in the device's list, follow from the facts (the fold keeps them
 * so after every event): derived at load, so a store need not write a view's row for each message
 * (only when its own facts change). So is a device's totalUnread, the sum of its views' unread.
 */
function settleLoadedViews(account: AccountModel): void {
  for (const device of account.devices.values()) {
    const listed: IndexKey[] = [];
    let total = 0;
    for (const [sessionId, view] of device.views) {
      const session = account.sessions.get(sessionId);
      const visible = session !== undefined && isVisible(session, view);
      view.unread = visible ? recount(device, session, view) : 0;
      view.indexedAt = visible ? viewUpdateTime(session, view) : undefined;
      if (visible) listed.push({ updateTime: view.indexedAt!, id: sessionId });
      total += view.unread;
    }
    listed.sort(compareKeys);
    for (const key of listed) device.index.insert(key);
    device.totalUnread = total;
  }
}

type SessionFacts = Partial<Omit<SessionModel, 'lastByType'>> & { scene: SessionModel['scene']; to: string; typeSeqs?: [string, number][] };

/**
 * The account's models from its rows (fields missing from older rows come back as their defaults).
 * Derived facts are derived again, whatever the rows say: the entry of lastMsg's type, each view's
 * unread and list entry, each device's totalUnread; and the account's maxUpdateTime is at least
 * its sessions' newest message time (a store may leave the account row as it was when that is all
 * that moved it).
 */
export function accountFromRows(rows: AccountRows): AccountModel {
  const account = newAccountModel(rows.account.id);
  account.maxUpdateTime = rows.account.maxUpdateTime ?? -Infinity;
  const typeSeqs = new Map<SessionModel, [string, number][]>();
  for (const { sessionId, facts } of rows.sessions) {
    const { typeSeqs: seqs, ...f } = facts as SessionFacts;
    const session: SessionModel = {
      ...newSessionModel(sessionId, f.scene, f.to), ...f, id: sessionId, counting: [], lastByType: [],
      serverDeleted: pointOf(f.serverDeleted), accountMark: pointOf(f.accountMark),
    };
    account.sessions.set(sessionId, session);
    if (seqs) typeSeqs.set(session, seqs);
  }
  for (const { sessionId, record } of rows.counting) {
    const session = account.sessions.get(sessionId);
    if (session) session.counting = appended(session.counting, record);
  }
  for (const { sessionId, type, message } of rows.types) {
    const session = account.sessions.get(sessionId);
    if (session) session.lastByType = appended(session.lastByType, { type, message, seq: typeSeq(typeSeqs.get(session), type) });
  }
  for (const session of account.sessions.values()) {
    lastMsgAsItsType(session, typeSeqs.get(session));
    for (const { type, message } of session.lastByType) {
      let index = account.byType.get(type);
      if (!index) account.byType.set(type, (index = new OrderedIndex()));
      index.insert({ updateTime: message.time, id: session.id });
    }
  }
  for (const { device, facts } of rows.devices) {
    const f = facts as Omit<DeviceModel, 'views' | 'index' | 'totalUnread'>;
    account.devices.set(device, { ...f, totalUnread: 0, registeredSeq: f.registeredSeq ?? -1, id: device, views: new Map(), index: new OrderedIndex() });
  }
  for (const { device, sessionId, facts } of rows.views) {
    const d = account.devices.get(device);
    if (!d) continue;
    const f = facts as Partial<DeviceSessionModel> & { batch?: string[] };
    const view: DeviceSessionModel = {
      ...newDeviceSessionModel(), ...f, batch: f.batch && new Set(f.batch),
      mark: pointOf(f.mark), hiddenAt: pointOf(f.hiddenAt), insertFloor: pointOf(f.insertFloor),
    };
    d.views.set(sessionId, view);
  }
  settleLoadedViews(account);
  account.maxUpdateTime = Math.max(account.maxUpdateTime, sessionsMaxUpdateTime(account.sessions.values()));
  return account;
}
