import type { AccountEvent, EventOfType, LedgerEvent, MarkScope, SessionEvent } from '../../domain/events.js';
import { messageKey } from '../../domain/message.js';
import { revives } from '../../domain/visibility.js';
import { NO_MARK, NO_POINT, isAfter, isShownByMessages, isVisible, laterOf, type AccountModel, type DeviceModel, type SessionModel } from './model.js';
import { countsOn, effectiveMark, hasRecord, insertRecord, recount } from './unread.js';
import type { ViewUpkeep } from './upkeep.js';

/** An event as projections consume it: the ledger event plus where it sits in the global log. */
export interface ProjectedEvent {
  readonly type: string;
  readonly data: any;
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
}

/** Events about one session: the session stream's, and the current-session events of the account stream. */
type SessionScoped = SessionEvent | EventOfType<'CurrentSessionSet'> | EventOfType<'CurrentSessionCleared'>;
type AccountScoped = Exclude<AccountEvent, SessionScoped>;

interface SessionFold {
  readonly up: ViewUpkeep;
  readonly account: AccountModel;
  readonly session: SessionModel;
  readonly seq: number;
  /** devices whose session object changed, when the handler answers 'some' */
  readonly changed: Set<DeviceModel>;
}

/** Each handler applies its event's facts: 'all' when the session object changed for every device. */
type SessionHandlers = { readonly [T in SessionScoped['type']]: (f: SessionFold, e: Extract<SessionScoped, { type: T }>) => 'all' | 'some' };
type AccountHandlers = { readonly [T in AccountScoped['type']]: (f: AccountFold, e: Extract<AccountScoped, { type: T }>) => DeviceChanges | null };

interface AccountFold {
  readonly up: ViewUpkeep;
  readonly account: AccountModel;
  readonly seq: number;
}

interface DeviceChanges {
  readonly device: DeviceModel;
  readonly sessionIds: string[];
}

/**
 * A read mark moved to `mark`, the newest message's time when the command was decided: the device's
 * own, or the account-wide one its mode A peers share. As a point in the session's order it covers
 * every message of that time recorded before the event (S4).
 */
function moveMark(f: SessionFold, { device: deviceId, scope, mark: time }: { device: string; scope: MarkScope; mark: number }): 'some' {
  const { up, account, session } = f;
  const mark = { time, seq: f.seq };
  const device = up.device(account, deviceId);
  if (scope === 'account') {
    session.accountMark = laterOf(session.accountMark, mark);
    for (const other of account.devices.values()) {
      if (other.mode !== 'A' && other !== device) continue;
      const view = up.view(other, session.id);
      const before = view.unread;
      up.recount(other, session, view);
      if (view.unread !== before || other === device) f.changed.add(other);
    }
  } else {
    const view = up.view(device, session.id);
    view.mark = laterOf(view.mark, mark);
    up.recount(device, session, view);
    f.changed.add(device);
  }
  return 'some';
}

function recordMessage(f: SessionFold, e: EventOfType<'MessageReceived'> | EventOfType<'MessageSent'>): 'all' {
  const { up, account, session } = f;
  const { message } = e.data;
  session.exists = true;
  if (session.hiddenEverywhere && revives(message.time, session.serverDeletedAt)) session.hiddenEverywhere = false;
  for (const device of account.devices.values()) {
    const view = up.view(device, session.id);
    if (view.hidden && revives(message.time, view.hiddenAt)) view.hidden = false;
    // Once its messages show the session here again, a locally inserted empty one becomes the ordinary one.
    if (view.insertedUpdateTime !== undefined && message.time > view.insertFloor && isShownByMessages(session, view)) view.insertedUpdateTime = undefined;
  }
  up.noteMessage(account, session, message);
  return 'all';
}

/** S4.2: devices with the session current read an incoming message as it arrives. */
function receive(f: SessionFold, e: EventOfType<'MessageReceived'>): 'all' {
  const { up, account, session } = f;
  const { message, delivery, counting } = e.data;
  recordMessage(f, e);
  const readOn = new Set<DeviceModel>();
  for (const device of account.devices.values()) if (device.current === session.id) readOn.add(device);
  const accountWide = [...readOn].some((d) => d.mode === 'A');
  const point = { time: message.time, seq: f.seq };
  for (const device of readOn) up.view(device, session.id).mark = laterOf(up.view(device, session.id).mark, point);
  if (accountWide) session.accountMark = laterOf(session.accountMark, point);
  if (!counting) return 'all';
  const rec = { time: message.time, kind: delivery, seq: f.seq, key: messageKey(message) };
  if (hasRecord(session.counting, rec)) {
    // Folded again: nothing new to count; the views' unread follows from the facts.
    for (const device of account.devices.values()) up.recount(device, session, up.view(device, session.id));
    return 'all';
  }
  insertRecord(session.counting, rec);
  for (const device of account.devices.values()) {
    const view = up.view(device, session.id);
    if (!isVisible(session, view)) continue; // a revived view is recounted after the handler
    if (readOn.has(device) || (accountWide && device.mode === 'A')) up.setUnread(device, view, recount(device, session, view));
    else if (isAfter(rec, effectiveMark(device, session, view)) && countsOn(device, view, rec)) up.setUnread(device, view, view.unread + 1);
  }
  return 'all';
}

const SESSION_HANDLERS: SessionHandlers = {
  MessageReceived: receive,
  MessageSent: recordMessage,
  SessionReset: (f, e) => moveMark(f, e.data),
  CurrentSessionSet(f, e) {
    f.up.device(f.account, e.data.device).current = f.session.id;
    return moveMark(f, e.data);
  },
  CurrentSessionCleared(f, e) {
    const device = f.up.device(f.account, e.data.device);
    if (device.current === f.session.id) device.current = undefined;
    return 'some';
  },
  ReceiptReceived(f, e) {
    f.session.msgReceiptTime = Math.max(f.session.msgReceiptTime ?? -Infinity, e.data.msgReceiptTime);
    return 'all';
  },
  SessionInserted(f, e) {
    // Local to the inserting device: an empty session there; nothing older counts on it.
    const device = f.up.device(f.account, e.data.device);
    const view = f.up.view(device, f.session.id);
    view.insertedUpdateTime = e.data.updateTime;
    view.insertFloor = Math.max(view.insertFloor, f.session.lastMsg?.time ?? NO_MARK);
    f.account.maxUpdateTime = Math.max(f.account.maxUpdateTime, e.data.updateTime);
    f.up.setUnread(device, view, recount(device, f.session, view));
    f.changed.add(device);
    return 'some';
  },
  LocalCustomUpdated(f, e) {
    const device = f.up.device(f.account, e.data.device);
    f.up.view(device, f.session.id).localCustom = e.data.localCustom;
    f.changed.add(device);
    return 'some';
  },
  SessionDeleted(f, e) {
    const { up, account, session } = f;
    const { scope, at } = e.data;
    const devices = scope === 'server' ? [...account.devices.values()] : [up.device(account, e.data.device)];
    if (scope === 'server') {
      session.hiddenEverywhere = true;
      session.serverDeletedAt = Math.max(session.serverDeletedAt, at);
    }
    for (const device of devices) {
      const view = up.view(device, session.id);
      if (scope === 'local') {
        view.hidden = true;
        view.hiddenAt = Math.max(view.hiddenAt, at);
      }
      view.insertedUpdateTime = undefined;
      if (device.current === session.id) device.current = undefined;
    }
    return 'some';
  },
  OfflineBatchSynced(f, e) {
    const device = f.up.device(f.account, e.data.device);
    const view = f.up.view(device, f.session.id);
    view.batch = new Set(e.data.keys);
    f.up.recount(device, f.session, view);
    f.changed.add(device);
    return 'some';
  },
};

const ACCOUNT_HANDLERS: AccountHandlers = {
  DeviceRegistered({ up, account, seq }, e) {
    const known = account.devices.get(e.data.device);
    const device = known ?? up.addDevice(account, e.data.device, e.data.mode, e.data.options);
    if (!known) device.registeredSeq = seq;
    device.mode = e.data.mode;
    device.options = e.data.options;
    // Modes C and D keep nothing from before the view existed (no local database).
    if (device.mode === 'C' || device.mode === 'D') device.epochSeq = seq;
    up.recountDevice(device, account);
    return null;
  },
  DeviceSyncStarted({ up, account, seq }, e) {
    const device = account.devices.get(e.data.device);
    if (!device || (device.mode !== 'C' && device.mode !== 'D')) return null;
    device.epochSeq = seq;
    const sessionIds: string[] = [];
    for (const [sessionId, view] of device.views) {
      view.mark = NO_POINT;
      view.batch = undefined;
      const before = view.unread;
      up.recount(device, account.sessions.get(sessionId)!, view);
      if (view.unread !== before) sessionIds.push(sessionId);
    }
    return { device, sessionIds };
  },
  // The resets themselves follow on the session streams.
  AllSessionUnreadReset: () => null,
};

const SESSION_SCOPED = new Set<string>(Object.keys(SESSION_HANDLERS));

/** Folds one event into the models; returns the device views it changed. */
export function foldEvent(up: ViewUpkeep, event: ProjectedEvent): ViewChange[] {
  const account = up.account(event.account);
  const e = { type: event.type, data: event.data } as LedgerEvent;
  if (!SESSION_SCOPED.has(e.type)) {
    const handler = ACCOUNT_HANDLERS[e.type as AccountScoped['type']] as AccountHandlers[AccountScoped['type']] | undefined;
    if (!handler) return []; // an event type from a newer version: nothing we can fold
    const out = handler({ up, account, seq: event.seq }, e as never);
    if (!out) return [];
    return out.sessionIds.map((sessionId) => ({ account: account.id, device: out.device.id, sessionId }));
  }
  const session = up.session(account, (e as SessionScoped).data.sessionId);
  const before = new Map<DeviceModel, boolean>();
  for (const device of account.devices.values()) before.set(device, isVisible(session, up.view(device, session.id)));
  const f: SessionFold = { up, account, session, seq: event.seq, changed: new Set() };
  const touched = (SESSION_HANDLERS[e.type as SessionScoped['type']] as (f: SessionFold, e: SessionScoped) => 'all' | 'some')(f, e as SessionScoped);
  // Visibility may change for every device; their unread and index entries follow.
  const out: ViewChange[] = [];
  for (const device of account.devices.values()) {
    const view = up.view(device, session.id);
    const visible = isVisible(session, view);
    const wasVisible = before.get(device) ?? false;
    if (visible !== wasVisible) up.setUnread(device, view, visible ? recount(device, session, view) : 0);
    up.reindex(device, session, view, visible);
    if (visible && (f.changed.has(device) || touched === 'all' || !wasVisible)) {
      out.push({ account: account.id, device: device.id, sessionId: session.id });
    }
  }
  return out;
}
