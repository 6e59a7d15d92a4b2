/**
 * An independent reference of the recent-sessions rules (docs: SESSIONS.md S2, S3, S4, S7), written
 * from the rule text and not from the ledger's code, so that random histories can be checked
 * against it. It is deliberately naive: it keeps every message and recounts on every question.
 */
import type { Message } from '../../index.js';

export type Mode = 'A' | 'B' | 'C' | 'D';
type Delivery = 'online' | 'offline' | 'roaming';

/** A point in a session's order (S4): message time, then the order the session recorded it in. */
interface Point {
  readonly time: number;
  readonly seq: number;
}
const BOTTOM: Point = { time: -Infinity, seq: -Infinity };
const after = (p: Point, q: Point) => p.time > q.time || (p.time === q.time && p.seq > q.seq);
const max = (p: Point, q: Point) => (after(p, q) ? p : q);

interface Recorded {
  readonly msg: Message;
  readonly point: Point;
  /** S4: incoming for this account and not marked isUnreadable: false */
  readonly counting: boolean;
  readonly delivery: Delivery;
  /** the model's global record counter when it was recorded */
  readonly recordedAt: number;
}

interface SessionFacts {
  readonly id: string;
  readonly messages: Recorded[];
  readonly keys: Set<string>;
  /** S7.4/S7.5: messages at or before it are deleted on every device */
  serverFloor: Point;
  /** mode A's account-wide read mark */
  accountMark: Point;
}

interface DeviceSession {
  mark: Point;
  /** S7.3: messages at or before it are deleted on this device */
  localFloor: Point;
  /** S7.1: an empty session shown on this device only; messages at or before `floor` never count here */
  inserted: { readonly floor: Point; readonly updateTime: number } | undefined;
  localCustom: string | undefined;
}

interface DeviceFacts {
  readonly account: string;
  readonly mode: Mode;
  /** S4: the record counter when the device's first view was created */
  readonly registeredAt: number;
  /** modes C and D: the record counter when this device's latest sync began (S4 table, S7.7) */
  syncedAt: number;
  /** mode C: the counting offline messages of the latest sync, unread after it whatever their first delivery (S4 table) */
  batch: Set<string>;
  current: string | undefined;
  readonly sessions: Map<string, DeviceSession>;
}

export interface ModelSession {
  readonly id: string;
  readonly unread: number;
  /** `${from}/${idClient}` of lastMsg, or undefined for an empty inserted session */
  readonly lastMsg: string | undefined;
  readonly updateTime: number | undefined;
  readonly localCustom: string | undefined;
}

export const sessionIdFor = (account: string, msg: Message): string =>
  msg.scene === 'p2p' ? `p2p-${msg.from === account ? msg.to : msg.from}` : `${msg.scene}-${msg.to}`;

const keyOf = (msg: Message) => `${msg.from}/${msg.idClient}`;

export class ReferenceModel {
  private readonly accounts = new Map<string, Map<string, SessionFacts>>();
  private readonly devices = new Map<string, DeviceFacts>();
  private records = 0;

  private account(account: string): Map<string, SessionFacts> {
    let sessions = this.accounts.get(account);
    if (!sessions) this.accounts.set(account, (sessions = new Map()));
    return sessions;
  }

  private session(account: string, id: string): SessionFacts {
    const sessions = this.account(account);
    let s = sessions.get(id);
    if (!s) sessions.set(id, (s = { id, messages: [], keys: new Set(), serverFloor: BOTTOM, accountMark: BOTTOM }));
    return s;
  }

  private deviceSession(device: DeviceFacts, id: string): DeviceSession {
    let ds = device.sessions.get(id);
    if (!ds) device.sessions.set(id, (ds = { mark: BOTTOM, localFloor: BOTTOM, inserted: undefined, localCustom: undefined }));
    return ds;
  }

  private devicesOf(account: string): DeviceFacts[] {
    return [...this.devices.values()].filter((d) => d.account === account);
  }

  private device(account: string, device: string): DeviceFacts {
    const d = this.devices.get(`${account}/${device}`);
    if (!d) throw new Error(`model: device ${account}/${device} was never opened`);
    return d;
  }

  private newest(s: SessionFacts): Point | undefined {
    let best: Point | undefined;
    for (const m of s.messages) if (!best || after(m.point, best)) best = m.point;
    return best;
  }

  /** S4 / S4.2: a view opening; the first one registers the device, a later one ends a stale current session. */
  open(account: string, device: string, mode: Mode): void {
    const id = `${account}/${device}`;
    const known = this.devices.get(id);
    if (known) {
      known.current = undefined;
      return;
    }
    this.account(account);
    this.devices.set(id, { account, mode, registeredAt: this.records, syncedAt: -1, batch: new Set(), current: undefined, sessions: new Map() });
  }

  /** S4.2: closing the view (or the ledger) ends the current session. */
  close(account: string, device: string): void {
    this.device(account, device).current = undefined;
  }

  /** S2, S2.3, S2.5: records a message in `account`'s list; the account's own p2p message reaches the peer too. */
  record(account: string, msg: Message, delivery: Delivery, fanOut: Delivery | undefined): void {
    this.recordOne(account, msg, delivery);
    if (fanOut && msg.scene === 'p2p' && msg.from === account && msg.to !== account) this.recordOne(msg.to, msg, fanOut);
  }

  private recordOne(account: string, msg: Message, delivery: Delivery): void {
    const s = this.session(account, sessionIdFor(account, msg));
    const key = keyOf(msg);
    if (s.keys.has(key)) return; // S2.3: recorded once
    s.keys.add(key);
    const point = { time: msg.time, seq: this.records };
    s.messages.push({ msg, point, counting: msg.from !== account && msg.isUnreadable !== false, delivery, recordedAt: this.records++ });
    // S4.2: while a session is current on a device, that device's mark follows every message
    for (const d of this.devicesOf(account)) {
      if (d.current !== s.id) continue;
      const ds = this.deviceSession(d, s.id);
      ds.mark = max(ds.mark, point);
      if (d.mode === 'A') s.accountMark = max(s.accountMark, point);
    }
  }

  /** S3, S4 modes C/D, S7.7: a sync on a device without a database is a new login there. */
  sync(account: string, device: string, roaming: readonly Message[], offline: readonly Message[]): void {
    const d = this.device(account, device);
    if (d.mode === 'C' || d.mode === 'D') {
      // the device keeps nothing across logins: counts, marks and local changes start afresh
      d.syncedAt = this.records;
      d.current = undefined;
      d.batch = new Set(d.mode === 'C' ? offline.filter((m) => m.from !== account && m.isUnreadable !== false).map(keyOf) : []);
      for (const ds of d.sessions.values()) {
        ds.mark = BOTTOM;
        ds.inserted = undefined;
        ds.localFloor = BOTTOM;
        ds.localCustom = undefined;
      }
    }
    const offlineKeys = new Set(offline.map(keyOf));
    // S3.2: a message in both batches counts as offline. The roaming batch is recorded first (the
    // rules do not say; this is what the ledger does, and it decides which of two equal times is newer).
    for (const msg of roaming) this.record(account, msg, offlineKeys.has(keyOf(msg)) ? 'offline' : 'roaming', 'roaming');
    for (const msg of offline) this.record(account, msg, 'offline', 'roaming');
  }

  visible(account: string, device: string, id: string): boolean {
    const d = this.device(account, device);
    const s = this.account(account).get(id);
    if (!s) return false;
    const ds = d.sessions.get(id);
    if (ds?.inserted) return true;
    const newest = this.newest(s);
    if (!newest) return false;
    return after(newest, s.serverFloor) && after(newest, ds?.localFloor ?? BOTTOM) && after(newest, ds?.inserted?.floor ?? BOTTOM);
  }

  /** S4: this device's unread for one session, recounted from the messages. */
  unread(account: string, device: string, id: string): number {
    const d = this.device(account, device);
    const s = this.account(account).get(id);
    if (!s || !this.visible(account, device, id)) return 0;
    const ds = d.sessions.get(id);
    let n = 0;
    for (const m of s.messages) {
      if (!m.counting || !after(m.point, s.serverFloor)) continue;
      if (ds && (!after(m.point, ds.localFloor) || (ds.inserted && !after(m.point, ds.inserted.floor)))) continue;
      if (d.mode === 'A') {
        if (after(m.point, s.accountMark)) n++;
        continue;
      }
      if (m.recordedAt < d.registeredAt) continue;
      const inBatch = d.mode === 'C' && d.batch.has(keyOf(m.msg));
      if (!inBatch && m.delivery === 'roaming') continue;
      if (d.mode === 'D' && m.delivery === 'offline') continue;
      if ((d.mode === 'C' || d.mode === 'D') && m.recordedAt < d.syncedAt && !inBatch) continue;
      if (after(m.point, ds?.mark ?? BOTTOM)) n++;
    }
    return n;
  }

  private moveMark(d: DeviceFacts, s: SessionFacts): void {
    const newest = this.newest(s);
    if (!newest) return;
    const ds = this.deviceSession(d, s.id);
    ds.mark = max(ds.mark, newest);
    if (d.mode === 'A') s.accountMark = max(s.accountMark, newest);
  }

  /** S4.2 */
  setCurrSession(account: string, device: string, id: string): void {
    if (!this.visible(account, device, id)) return;
    const d = this.device(account, device);
    this.moveMark(d, this.session(account, id));
    d.current = id;
  }

  /** S4.3 */
  resetSessionUnread(account: string, device: string, id: string): void {
    if (!this.visible(account, device, id)) return;
    this.moveMark(this.device(account, device), this.session(account, id));
  }

  /** S4.4 */
  resetAllSessionUnread(account: string, device: string): void {
    const d = this.device(account, device);
    for (const s of this.account(account).values()) if (this.visible(account, device, s.id)) this.moveMark(d, s);
  }

  /** S4.5 */
  resetCurrSession(account: string, device: string): void {
    this.device(account, device).current = undefined;
  }

  /** S7.1: false when the insert must be refused (a live session exists on this device). */
  canInsert(account: string, device: string, id: string): boolean {
    return !this.visible(account, device, id);
  }

  /** S7.1, with the updateTime the ledger chose (how it is chosen is not what the model checks) */
  insertLocalSession(account: string, device: string, id: string, updateTime: number): void {
    const s = this.session(account, id);
    this.deviceSession(this.device(account, device), id).inserted = { floor: this.newest(s) ?? BOTTOM, updateTime };
  }

  /** S7.2: false for an id this device does not show. */
  updateLocalSession(account: string, device: string, id: string, localCustom: string): boolean {
    if (!this.visible(account, device, id)) return false;
    this.deviceSession(this.device(account, device), id).localCustom = localCustom;
    return true;
  }

  /** S7.3, S7.5: leaves this device's list; the deletion point is the session's newest message, else its updateTime. */
  deleteLocalSession(account: string, device: string, id: string): void {
    const d = this.device(account, device);
    const s = this.account(account).get(id);
    if (!s) return;
    const ds = this.deviceSession(d, id);
    const empty = ds.inserted ? { time: ds.inserted.updateTime, seq: Infinity } : BOTTOM;
    ds.localFloor = max(ds.localFloor, this.newest(s) ?? empty);
    ds.inserted = undefined;
    if (d.current === id) d.current = undefined;
  }

  /** S7.4, S7.5: leaves every device's list; the point is the newest message, else the (greatest) updateTime of the inserts. */
  deleteSession(account: string, id: string): void {
    const s = this.account(account).get(id);
    if (!s) return;
    let empty = BOTTOM;
    for (const d of this.devicesOf(account)) {
      const inserted = d.sessions.get(id)?.inserted;
      if (inserted) empty = max(empty, { time: inserted.updateTime, seq: Infinity });
    }
    s.serverFloor = max(s.serverFloor, this.newest(s) ?? empty);
    for (const d of this.devicesOf(account)) {
      const ds = d.sessions.get(id);
      if (ds) ds.inserted = undefined;
      if (d.current === id) d.current = undefined;
    }
  }

  /** The device's list as the model sees it, unordered. */
  sessions(account: string, device: string): ModelSession[] {
    const out: ModelSession[] = [];
    const d = this.device(account, device);
    for (const s of this.account(account).values()) {
      if (!this.visible(account, device, s.id)) continue;
      const ds = d.sessions.get(s.id);
      const newest = this.newest(s);
      const shownByMessage = newest !== undefined && after(newest, s.serverFloor) && after(newest, ds?.localFloor ?? BOTTOM) && after(newest, ds?.inserted?.floor ?? BOTTOM);
      const last = shownByMessage ? s.messages.find((m) => m.point === newest)!.msg : undefined;
      out.push({
        id: s.id,
        unread: this.unread(account, device, s.id),
        lastMsg: last ? keyOf(last) : undefined,
        updateTime: last?.time,
        localCustom: ds?.localCustom,
      });
    }
    return out;
  }

  modeOf(account: string, device: string): Mode {
    return this.device(account, device).mode;
  }
}
