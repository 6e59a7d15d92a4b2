import type { AccountModel, CountingRecord, DeviceModel, DeviceSessionModel, SessionModel } from '../../projections/session-list/model.js';
import type { AccountChanges } from '../../projections/session-list/read-model-store.js';
import {
  accountRow, deviceRow, sessionRow, typeRows, viewRow,
  type AccountRow, type CountingRow, type DeviceRow, type SessionRow, type TypeRow, type ViewRow,
} from '../../projections/session-list/rows.js';

/** The rows of one account a batch changed, each once: what a table store upserts. */
export interface AccountWrites {
  readonly account: AccountRow;
  readonly sessions: SessionRow[];
  readonly types: TypeRow[];
  readonly devices: DeviceRow[];
  readonly views: ViewRow[];
  /** sessions whose counting rows are written again whole (their list shrank) */
  readonly dropCounting: string[];
  /** counting rows not stored yet */
  readonly counting: CountingRow[];
}

/**
 * Which counting records are in the tables already (records are only ever added to a session's
 * list, so only the new ones are written). A record is new when the event that recorded it comes
 * after every stored one (the fold goes in log order); kept per session as the count of stored
 * records and their greatest position, not per record (a WeakSet entry per message is about 30 B
 * of heap for good). `stored` is called once the rows committed, so a failed save writes them
 * again with the next one. Should the new records not be the ones after that position, the
 * session's rows are written again whole.
 */
const NOTHING_PENDING = Object.freeze({ drop: false, records: Object.freeze([]) as readonly CountingRecord[] });

interface StoredCounting {
  readonly count: number;
  readonly maxSeq: number;
}

export class CountingLedger {
  private readonly sessions = new WeakMap<SessionModel, StoredCounting>();

  /** the account came from its rows: every record it has is stored */
  loaded(account: AccountModel): void {
    for (const session of account.sessions.values()) this.stored(session, session.counting);
  }

  /** The records of `session` to write: none, the new ones, or (a list that shrank) all of them after a drop. */
  pending(session: SessionModel): { drop: boolean; records: readonly CountingRecord[] } {
    const { counting } = session;
    const known = this.sessions.get(session) ?? { count: 0, maxSeq: -Infinity };
    if (counting.length === known.count) return NOTHING_PENDING;
    if (counting.length < known.count) return { drop: true, records: counting };
    // The fold only adds records, mostly at the end: walk back until as many new ones are found as the list grew by.
    const records: CountingRecord[] = [];
    let missing = counting.length - known.count;
    for (let i = counting.length - 1; i >= 0 && missing > 0; i--) {
      if (counting[i]!.seq <= known.maxSeq) continue;
      records.push(counting[i]!);
      missing--;
    }
    if (missing > 0) return { drop: true, records: counting };
    return { drop: false, records: records.reverse() };
  }

  stored(session: SessionModel, records: readonly CountingRecord[]): void {
    let maxSeq = this.sessions.get(session)?.maxSeq ?? -Infinity;
    for (const record of records) if (record.seq > maxSeq) maxSeq = record.seq;
    this.sessions.set(session, { count: session.counting.length, maxSeq });
  }
}

/** What a table store does with each row a batch changed (see visitChangedRows). */
export interface ChangedRowVisitor {
  session(session: SessionModel): void;
  device(device: DeviceModel): void;
  view(device: DeviceModel, sessionId: string, view: DeviceSessionModel): void;
}

/**
 * The rows `changed` names in `account`, each once: each changed session (its own row, type rows
 * and counting rows are the visitor's to write) and its view on every device; the device row of
 * every device when a session or the whole account changed, or of the devices named, with all
 * their views. The account row is always written, by the caller.
 */
export function visitChangedRows(account: AccountModel, changed: AccountChanges, visit: ChangedRowVisitor): void {
  const sessionIds = changed.whole ? account.sessions.keys() : changed.sessions;
  for (const sessionId of sessionIds) {
    const session = account.sessions.get(sessionId);
    if (!session) continue;
    visit.session(session);
    for (const device of account.devices.values()) {
      const view = device.views.get(sessionId);
      if (view) visit.view(device, sessionId, view);
    }
  }
  const everyDevice = changed.whole || changed.sessions.size > 0;
  for (const device of account.devices.values()) {
    const named = changed.devices.has(device.id);
    if (!everyDevice && !named) continue;
    visit.device(device);
    if (!named || changed.whole) continue;
    // the views of the changed sessions were visited above
    for (const [sessionId, view] of device.views) if (!changed.sessions.has(sessionId)) visit.view(device, sessionId, view);
  }
}

/**
 * The rows `changed` names in `account`, as rows to upsert. `done` marks the counting rows stored,
 * to be called once the write committed.
 */
export function accountWrites(account: AccountModel, changed: AccountChanges, counting: CountingLedger): { writes: AccountWrites; done: () => void } {
  const writes: AccountWrites = { account: accountRow(account), sessions: [], types: [], devices: [], views: [], dropCounting: [], counting: [] };
  const stored: [SessionModel, readonly CountingRecord[]][] = [];
  visitChangedRows(account, changed, {
    session: (session) => {
      writes.sessions.push(sessionRow(session));
      writes.types.push(...typeRows(session));
      const { drop, records } = counting.pending(session);
      if (drop) writes.dropCounting.push(session.id);
      for (const record of records) writes.counting.push({ sessionId: session.id, record });
      if (records.length > 0 || drop) stored.push([session, records]);
    },
    device: (device) => writes.devices.push(deviceRow(device)),
    view: (device, sessionId, view) => writes.views.push(viewRow(device, sessionId, view)),
  });
  return { writes, done: () => stored.forEach(([session, records]) => counting.stored(session, records)) };
}
