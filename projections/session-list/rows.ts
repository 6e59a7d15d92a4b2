import {
  NO_POINT, appended, latestOfType, newAccountModel, newDeviceSessionModel, newSessionModel,
  type AccountModel, type CountingRecord, type DeviceModel, type DeviceSessionModel, type Point, type SessionModel,
} from './model.js';
import type { Message } from '../../domain/message.js';
import { OrderedIndex } from './ordered-index.js';

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

export function deviceRow(device: DeviceModel): DeviceRow {
  const { views: _views, index: _index, ...facts } = device;
  return { device: device.id, facts };
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

/** The session's type entry for `message` holds an equal message: one object for both, not two copies. */
function sharedLastMsg(session: SessionModel): void {
  const last = session.lastMsg;
  if (!last) return;
  const entry = latestOfType(session, last.type)?.message;
  if (entry && entry.time === last.time && entry.from === last.from && entry.idClient === last.idClient && JSON.stringify(entry) === JSON.stringify(last)) session.lastMsg = entry;
}

type SessionFacts = Partial<Omit<SessionModel, 'lastByType'>> & { scene: SessionModel['scene']; to: string; typeSeqs?: [string, number][] };

/** The account's models from its rows (fields missing from older rows come back as their defaults). */
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
    if (!session) continue;
    // rows saved before the session's order was kept let the millisecond show (S7.5)
    const seq = typeSeqs.get(session)?.find(([t]) => t === type)?.[1] ?? Number.MAX_SAFE_INTEGER - 1;
    session.lastByType = appended(session.lastByType, { type, message, seq });
    let index = account.byType.get(type);
    if (!index) account.byType.set(type, (index = new OrderedIndex()));
    index.insert({ updateTime: message.time, id: sessionId });
  }
  for (const session of account.sessions.values()) sharedLastMsg(session);
  for (const { device, facts } of rows.devices) {
    const f = facts as Omit<DeviceModel, 'views' | 'index'>;
    account.devices.set(device, { ...f, registeredSeq: f.registeredSeq ?? -1, id: device, views: new Map(), index: new OrderedIndex() });
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
    if (view.indexedAt !== undefined) d.index.insert({ updateTime: view.indexedAt, id: sessionId });
  }
  return account;
}
