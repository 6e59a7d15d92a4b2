import { appended, isAfter, laterOf, throughTime, type CountingRecord, type DeviceModel, type DeviceSessionModel, type Point, type SessionModel } from './model.js';

/** The point in the session's order a message must come after to count on this device view (S4 table, S7.3, S7.4). */
export function effectiveMark(device: DeviceModel, session: SessionModel, view: DeviceSessionModel): Point {
  const read = device.mode === 'A' ? session.accountMark : view.mark;
  return laterOf(laterOf(read, view.hiddenAt), laterOf(view.insertFloor, session.serverDeleted));
}

/** Whether a counting message raises this view's unread, ignoring the time mark. */
export function countsOn(device: DeviceModel, view: DeviceSessionModel, rec: CountingRecord): boolean {
  // S4: a device's count starts at its registration (mode A counts against the account-wide mark).
  if (device.mode !== 'A' && rec.seq <= device.registeredSeq) return false;
  switch (device.mode) {
    case 'A':
      return true;
    case 'B':
      return rec.kind !== 'roaming';
    case 'C':
      return (rec.kind !== 'roaming' && rec.seq > device.epochSeq) || (view.batch?.has(rec.key) ?? false);
    case 'D':
      return rec.kind === 'online' && rec.seq > device.epochSeq;
    default: {
      const never: never = device.mode;
      throw new Error(`unknown unread mode ${String(never)}`);
    }
  }
}

/** First record after `point` (records are sorted by time, then seq). */
function firstAfter(records: readonly CountingRecord[], point: Point): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (!isAfter(records[mid]!, point)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Unread from the facts: only the records after the mark are visited. */
export function recount(device: DeviceModel, session: SessionModel, view: DeviceSessionModel): number {
  const mark = effectiveMark(device, session, view);
  let n = 0;
  for (let i = firstAfter(session.counting, mark); i < session.counting.length; i++) {
    if (countsOn(device, view, session.counting[i]!)) n++;
  }
  return n;
}

/** Whether the message `rec` records is among the records already (an event folded again). */
export function hasRecord(records: readonly CountingRecord[], rec: CountingRecord): boolean {
  for (let i = firstAfter(records, throughTime(rec.time)) - 1; i >= 0 && records[i]!.time === rec.time; i--) {
    if (records[i]!.key === rec.key) return true;
  }
  return false;
}

export function insertRecord(session: SessionModel, rec: CountingRecord): void {
  const records = session.counting;
  // Messages mostly arrive in time order: appending is the common case.
  const at = firstAfter(records, rec);
  if (at === records.length) session.counting = appended(records, rec);
  else records.splice(at, 0, rec);
}
