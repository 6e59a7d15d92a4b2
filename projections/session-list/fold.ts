import type { AccountEvent, EventOfType, LedgerEvent, MarkScope, SessionEvent } from '../../domain/events.js';
import { messageKey } from '../../domain/message.js';
import { forgetLocal, stale } from './logins.js';
import {
  isAfter, isShownByMessages, isVisible, laterOf, throughTime,
  type AccountModel, type DeviceModel, type Point, type SessionModel,
} from './model.js';
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

/** A device view whose session object changed (or became visible), or that lost the session (`removed`), because of an event. */
export interface ViewChange {
  readonly account: string;
  readonly device: string;
  readonly sessionId: string;
  /** the session left the view (a delete, or S7.7 a sync that forgot a local insert) */
  readonly removed?: true;
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
type AccountHandlers = { readonly [T in AccountScoped['type']]: (f: AccountFold, e: Extract<AccountScoped, { type: T }>) => ViewChange[] };

interface AccountFold {
  readonly up: ViewUpkeep;
  readonly account: AccountModel;
  readonly seq: number;
}

/**
 * A read mark moved to `mark`, the newest message's time when the command was decided: the device's
 * own, or the account-wide one its mode A peers share. As a point in the session's order it covers
 * every message of that time recorded before the event (S4).
 */
function moveMark(f: SessionFold, { device: deviceId, scope, mark: time, all }: { device: string; scope: MarkScope; mark: number; all?: true }): 'some' {
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
      if (view.unread !== before || (other === device && !all)) f.changed.add(other);
    }
  } else {
    const view = up.view(device, session.id);
    const before = view.unread;
    view.mark = laterOf(view.mark, mark);
    up.recount(device, session, view);
    // S4.4: a reset of all tells the view only of sessions whose unread changed
    if (view.unread !== before || !all) f.changed.add(device);
  }
  return 'some';
}

function recordMessage(f: SessionFold, e: EventOfType<'MessageReceived'> | EventOfType<'MessageSent'>): 'all' {
  const { up, account, session } = f;
  const { message } = e.data;
  const at: Point = { time: message.time, seq: f.seq };
  session.exists = true;
  // S7.5: a message after a deletion's point in the session's order revives the session
  if (session.hiddenEverywhere && isAfter(at, session.serverDeleted)) session.hiddenEverywhere = false;
  for (const device of account.devices.values()) {
    const view = up.view(device, session.id);
    if (view.hidden && isAfter(at, view.hiddenAt)) view.hidden = false;
    // Once its messages show the session here again, a locally inserted empty one becomes the ordinary one.
    if (view.insertedUpdateTime !== undefined && isAfter(at, view.insertFloor) && isShownByMessages(session, view)) view.insertedUpdateTime = undefined;
  }
  up.noteMessage(account, session, message, f.seq);
  return 'all';
}

type CurrentOn = { readonly readOn: ReadonlySet<DeviceModel>; readonly accountWide: boolean };
const CURRENT_NOWHERE: CurrentOn = Object.freeze({ readOn: new Set<DeviceModel>(), accountWide: false });

/**
 * S4.2: while the session is current on a device, that device's mark follows every message the
 * session records (on a mode A device, the account-wide mark too). Returns the devices it is current on.
 */
function followCurrent(f: SessionFold, time: number): CurrentOn {
  const { up, account, session } = f;
  let readOn: Set<DeviceModel> | undefined;
  for (const device of account.devices.values()) if (device.current === session.id) (readOn ??= new Set()).add(device);
  // the usual message: current nowhere, nothing built for it
  if (!readOn) return CURRENT_NOWHERE;
  const accountWide = [...readOn].some((d) => d.mode === 'A');
  const point = { time, seq: f.seq };
  for (const device of readOn) up.view(device, session.id).mark = laterOf(up.view(device, session.id).mark, point);
  if (accountWide) session.accountMark = laterOf(session.accountMark, point);
  return { readOn, accountWide };
}

function send(f: SessionFold, e: EventOfType<'MessageSent'>): 'all' {
  recordMessage(f, e);
  const { readOn, accountWide } = followCurrent(f, e.data.message.time);
  for (const device of f.account.devices.values()) {
    if (readOn.has(device) || (accountWide && device.mode === 'A')) f.up.recount(device, f.session, f.up.view(device, f.session.id));
  }
  return 'all';
}

/** S4.2: devices with the session current read an incoming message as it arrives. */
function receive(f: SessionFold, e: EventOfType<'MessageReceived'>): 'all' {
  const { up, account, session } = f;
  const { message, delivery, counting } = e.data;
  recordMessage(f, e);
  const { readOn, accountWide } = followCurrent(f, message.time);
  if (!counting) {
    for (const device of account.devices.values()) {
      if (readOn.has(device) || (accountWide && device.mode === 'A')) up.recount(device, session, up.view(device, session.id));
    }
    return 'all';
  }
  const rec = { time: message.time, kind: delivery, seq: f.seq, key: messageKey(message) };
  if (hasRecord(session.counting, rec)) {
    // Folded again: nothing new to count; the views' unread follows from the facts.
    for (const device of account.devices.values()) up.recount(device, session, up.view(device, session.id));
    return 'all';
  }
  insertRecord(session, rec);
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
  MessageSent: send,
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
    if (stale(device, e.data.login)) return 'some';
    const view = f.up.view(device, f.session.id);
    view.insertedUpdateTime = e.data.updateTime;
    if (f.session.lastMsg) view.insertFloor = laterOf(view.insertFloor, { time: f.session.lastMsg.time, seq: f.seq });
    f.account.maxUpdateTime = Math.max(f.account.maxUpdateTime, e.data.updateTime);
    f.up.setUnread(device, view, recount(device, f.session, view));
    f.changed.add(device);
    return 'some';
  },
  LocalCustomUpdated(f, e) {
    const device = f.up.device(f.account, e.data.device);
    if (stale(device, e.data.login)) return 'some';
    f.up.view(device, f.session.id).localCustom = e.data.localCustom;
    f.changed.add(device);
    return 'some';
  },
  SessionDeleted(f, e) {
    const { up, account, session } = f;
    const { scope } = e.data;
    const devices = scope === 'server' ? [...account.devices.values()] : [up.device(account, e.data.device)];
    if (scope === 'local' && stale(devices[0]!, e.data.login)) return 'some';
    // S7.5: at a message, the point covers what the session recorded before this event at that time
    const point = e.data.point.message !== undefined ? { time: e.data.point.time, seq: f.seq } : throughTime(e.data.point.time);
    if (scope === 'server') {
      session.hiddenEverywhere = true;
      session.serverDeleted = laterOf(session.serverDeleted, point);
    }
    for (const device of devices) {
      const view = up.view(device, session.id);
      if (scope === 'local') {
        view.hidden = true;
        view.hiddenAt = laterOf(view.hiddenAt, point);
      }
      view.insertedUpdateTime = undefined;
      if (device.current === session.id) device.current = undefined;
    }
    return 'some';
  },
  OfflineBatchSynced(f, e) {
    const device = f.up.device(f.account, e.data.device);
    const view = f.up.view(device, f.session.id);
    // a batch in several events (issue 9): the parts after the first add to it; when a later login
    // (DeviceSyncStarted, on the account stream) came between two of its appends and ended it, the rest count no more
    if (!e.data.part) view.batch = new Set(e.data.keys);
    else if (view.batch) for (const key of e.data.keys) view.batch.add(key);
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
    if (device.mode === 'C' || device.mode === 'D') device.epochSeq = Math.max(device.epochSeq, seq);
    up.recountDevice(device, account);
    return [];
  },
  DeviceSyncStarted({ up, account, seq }, e) {
    const device = account.devices.get(e.data.device);
    if (!device || (device.mode !== 'C' && device.mode !== 'D') || seq <= device.syncSeq) return [];
    device.epochSeq = seq;
    device.syncSeq = seq;
    device.login++;
    const changes: ViewChange[] = [];
    for (const [sessionId, view] of device.views) {
      const session = account.sessions.get(sessionId)!;
      const wasVisible = isVisible(session, view);
      const before = view.unread;
      forgetLocal(view);
      const change = settleView(up, account, device, session, wasVisible);
      if (change?.removed || (change && (view.unread !== before || !wasVisible))) changes.push(change);
    }
    return changes;
  },
  // The resets themselves follow on the session streams.
  AllSessionUnreadReset: () => [],
};

/**
 * After an event, one view's unread and index entry follow its visibility; returns the change to
 * tell the view of when it shows the session (the caller decides whether it changed), or its removal.
 * `counted`: the handler kept a still-visible view's unread exact (a recount walks every record after the mark).
 */
function settleView(up: ViewUpkeep, account: AccountModel, device: DeviceModel, session: SessionModel, wasVisible: boolean, counted = false): ViewChange | undefined {
  const view = up.view(device, session.id);
  const visible = isVisible(session, view);
  if (!(counted && visible && wasVisible)) up.setUnread(device, view, visible ? recount(device, session, view) : 0);
  up.reindex(device, session, view, visible);
  if (visible) return { account: account.id, device: device.id, sessionId: session.id };
  return wasVisible ? { account: account.id, device: device.id, sessionId: session.id, removed: true } : undefined;
}

const SESSION_SCOPED = new Set<string>(Object.keys(SESSION_HANDLERS));
/** Handlers that keep exact the unread of a view visible before and after (a message adds one where it counts; moved marks recount). */
const KEEPS_UNREAD = new Set<string>(['MessageReceived', 'MessageSent']);

/** Folds one event into the models; returns the device views it changed. */
export function foldEvent(up: ViewUpkeep, event: ProjectedEvent): ViewChange[] {
  const account = up.account(event.account);
  const e = { type: event.type, data: event.data } as LedgerEvent;
  if (!SESSION_SCOPED.has(e.type)) {
    const handler = ACCOUNT_HANDLERS[e.type as AccountScoped['type']] as AccountHandlers[AccountScoped['type']] | undefined;
    if (!handler) return []; // an event type from a newer version: nothing we can fold
    return handler({ up, account, seq: event.seq }, e as never);
  }
  const session = up.session(account, (e as SessionScoped).data.sessionId);
  // in the devices' order (a device the handler adds comes last, and was not visible before)
  const before: boolean[] = [];
  for (const device of account.devices.values()) before.push(isVisible(session, up.view(device, session.id)));
  const f: SessionFold = { up, account, session, seq: event.seq, changed: new Set() };
  const touched = (SESSION_HANDLERS[e.type as SessionScoped['type']] as (f: SessionFold, e: SessionScoped) => 'all' | 'some')(f, e as SessionScoped);
  // Visibility may change for every device; their unread and index entries follow.
  const out: ViewChange[] = [];
  const counted = KEEPS_UNREAD.has(e.type);
  let at = 0;
  for (const device of account.devices.values()) {
    const wasVisible = before[at++] ?? false;
    const change = settleView(up, account, device, session, wasVisible, counted);
    if (change && (change.removed || f.changed.has(device) || touched === 'all' || !wasVisible)) out.push(change);
  }
  return out;
}
