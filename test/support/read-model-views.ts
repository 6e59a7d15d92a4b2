import type { SessionListReader } from '../../projections/session-list/reader.js';

/** Every device's list, total, per-type list and mode, of every account the reader holds. */
export function allViews(reader: SessionListReader): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const account of reader.accountIds().sort()) {
    for (const device of reader.devicesOf(account).sort()) {
      out[`${account}/${device}`] = {
        list: reader.allSessions(account, device),
        total: reader.totalUnread(account, device),
        byType: reader.listByMessageType(account, device, { exclude: ['text'], limit: 100 }),
        mode: reader.deviceMode(account, device),
      };
    }
  }
  return out;
}
