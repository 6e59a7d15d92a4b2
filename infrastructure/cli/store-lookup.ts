/**
 * Names typed on the command line (accounts, devices, session ids), checked against what the store
 * holds: a mistyped name is refused with the nearest names there, instead of showing an empty list.
 */
import type { Ledger } from '../../index.js';
import { parseSessionId } from '../../index.js';
import { UsageError } from './options.js';
import { projectionRunnerOf } from '../../application/api/ledger.js';

/**
 * The device view must exist: a mistyped account or device would otherwise look like an empty list.
 * The account's read models are loaded first (PostgreSQL loads them on use).
 */
export async function requireDevice(ledger: Ledger, account: string, device: string): Promise<void> {
  const { use } = projectionRunnerOf(ledger);
  if (use) (await use(account))();
  const read = ledger.reader;
  if (read.hasDevice(account, device)) return;
  const known = read.devicesOf(account);
  if (known.length > 0) {
    throw new UsageError(`${account} has no device view named ${device}; known: ${known.join(', ')}${nearest(device, known)} (pass --device <name>)`);
  }
  const accounts = read.accountIds().filter((a) => read.devicesOf(a).length > 0);
  if (!read.accountIds().includes(account)) {
    throw new UsageError(`this store has no account ${account}${nearest(account, accounts) || (accounts.length ? `; it has ${listed(accounts)}` : '; it is empty')}`);
  }
  throw new UsageError(`${account} has sessions but no device views (no device of it ever opened its list); accounts with device views: ${listed(accounts)}`);
}

/** Called when nothing was ever recorded for `sessionId`: says which ids the list has instead. */
export function unknownSession(ledger: Ledger, account: string, device: string, sessionId: string): UsageError {
  const ids = ledger.reader.allSessions(account, device).map((s) => s.id);
  const list = `'npx session-ledger sessions ${account} --device ${device}' lists them`;
  if (!parseSessionId(sessionId)) {
    const guesses = ['p2p', 'team', 'superTeam'].map((scene) => `${scene}-${sessionId}`).filter((id) => ids.includes(id));
    const hint = guesses.length ? `; did you mean ${guesses.join(' or ')}?` : '';
    return new UsageError(`${JSON.stringify(sessionId)} is not a session id: ids are <scene>-<peer or team>, e.g. p2p-bob or team-42${hint} (${list})`);
  }
  return new UsageError(`${account} has no session ${sessionId}: nothing was ever recorded for it${nearest(sessionId, ids) || `; ${list}`}`);
}

function listed(names: readonly string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')}, … (${names.length} in all)`;
}

/** "; did you mean …?" with the names at most two edits away, or ''. */
function nearest(name: string, names: readonly string[]): string {
  const close = names.map((n) => [n, distance(name, n)] as const).filter(([, d]) => d <= 2)
    .sort(([a, da], [b, db]) => da - db || a.localeCompare(b)).slice(0, 3).map(([n]) => n);
  return close.length ? `; did you mean ${close.join(' or ')}?` : '';
}

/** Levenshtein distance, bounded: names longer apart than 2 characters are not compared. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}
