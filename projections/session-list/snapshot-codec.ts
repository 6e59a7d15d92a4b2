import type { AccountModel } from './model.js';
import { ROWS_VERSION, accountFromRows, accountRows, type AccountRows } from './rows.js';

/** The rows' version (rows.ts): a snapshot of another is ignored and rebuilt from 0. */
export const SNAPSHOT_VERSION = ROWS_VERSION;

/** The read models as JSON (every account's rows), tagged with SNAPSHOT_VERSION. */
export function encodeSnapshot(accounts: Iterable<AccountModel>): unknown {
  return { version: SNAPSHOT_VERSION, accounts: [...accounts].map(accountRows) };
}

/** null for a snapshot of another format version: the caller rebuilds from position 0 instead. */
export function decodeSnapshot(snapshot: unknown): AccountModel[] | null {
  const tagged = snapshot as { version?: unknown; accounts?: unknown[] } | null;
  if (!tagged || tagged.version !== SNAPSHOT_VERSION || !Array.isArray(tagged.accounts)) return null;
  return (tagged.accounts as AccountRows[]).map(accountFromRows);
}
