import type { AccountModel, CountingRecord, SessionModel } from '../../projections/session-list/model.js';
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
 * list, so only the new ones are written). Known by object: an account read again from its rows
 * starts over with `loaded`. `stored` is called once the rows committed, so a failed save writes
 * them again with the next one.
 */
export class CountingLedger {
  private readonly records = new WeakSet<CountingRecord>();
  private readonly counts = new WeakMap<SessionModel, number>();

  /** the account came from its rows: every record it has is stored */
  loaded(account: AccountModel): void {
    for (const session of account.sessions.values()) this.stored(session, session.counting);
  }

  /** The records of `session` to write: none, the new ones, or (a list that shrank) all of them after a drop. */
  pending(session: SessionModel): { drop: boolean; records: readonly CountingRecord[] } {
    const storedCount = this.counts.get(session) ?? 0;
    if (session.counting.length === storedCount) return { drop: false, records: [] };
    if (session.counting.length < storedCount) return { drop: true, records: session.counting };
    return { drop: false, records: session.counting.filter((record) => !this.records.has(record)) };
  }

  stored(session: SessionModel, records: readonly CountingRecord[]): void {
    for (const record of records) this.records.add(record);
    this.counts.set(session, session.counting.length);
  }
}

/**
 * The rows `changed` names in `account`: its account row; each changed session's row, type rows,
 * new counting rows and its view on every device; the device row of every device when a session or
 * the whole account changed, or of the devices named, with all their views. `done` marks the
 * counting rows stored, to be called once the write committed.
 */
export function accountWrites(account: AccountModel, changed: AccountChanges, counting: CountingLedger): { writes: AccountWrites; done: () => void } {
  const views = new Map<string, ViewRow>();
  const addView = (row: ViewRow) => views.set(JSON.stringify([row.device, row.sessionId]), row);
  const writes: AccountWrites = { account: accountRow(account), sessions: [], types: [], devices: [], views: [], dropCounting: [], counting: [] };
  const stored: [SessionModel, readonly CountingRecord[]][] = [];
  const sessionIds = changed.whole ? account.sessions.keys() : changed.sessions;
  for (const sessionId of sessionIds) {
    const session = account.sessions.get(sessionId);
    if (!session) continue;
    writes.sessions.push(sessionRow(session));
    writes.types.push(...typeRows(session));
    const { drop, records } = counting.pending(session);
    if (drop) writes.dropCounting.push(sessionId);
    for (const record of records) writes.counting.push({ sessionId, record });
    if (records.length > 0 || drop) stored.push([session, records]);
    for (const device of account.devices.values()) {
      const view = device.views.get(sessionId);
      if (view) addView(viewRow(device, sessionId, view));
    }
  }
  const everyDevice = changed.whole || changed.sessions.size > 0;
  for (const device of account.devices.values()) {
    const named = changed.devices.has(device.id);
    if (!everyDevice && !named) continue;
    writes.devices.push(deviceRow(device));
    if (named && !changed.whole) for (const [sessionId, view] of device.views) addView(viewRow(device, sessionId, view));
  }
  writes.views.push(...views.values());
  return { writes, done: () => stored.forEach(([session, records]) => counting.stored(session, records)) };
}
