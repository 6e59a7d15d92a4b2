import type { CountingRecord, DeviceModel, DeviceSessionModel, SessionModel } from './model.js';

/** The mark a message must be later than to count on this device view (S4 table, S7.3, S7.4). */
export function effectiveMark(device: DeviceModel, session: SessionModel, view: DeviceSessionModel): number {
  const read = device.mode === 'A' ? session.accountMark : view.mark;
  return Math.max(read, view.hiddenAt, view.insertFloor, session.serverDeletedAt);
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

/** First record later than `time` (records are sorted by time). */
function firstAfter(records: readonly CountingRecord[], time: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.time <= time) lo = mid + 1;
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
  for (let i = firstAfter(records, rec.time) - 1; i >= 0 && records[i]!.time === rec.time; i--) {
    if (records[i]!.key === rec.key) return true;
  }
  return false;
}

export function insertRecord(records: CountingRecord[], rec: CountingRecord): void {
  // Messages mostly arrive in time order: appending is the common case.
  const at = firstAfter(records, rec.time);
  if (at === records.length) records.push(rec);
  else records.splice(at, 0, rec);
}
