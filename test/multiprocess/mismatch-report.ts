import type { RecordedEvent } from '../../application/ports/event-store.js';
import { parseStream } from '../../domain/identity.js';

/**
 * What the multi-process test keeps of its run, so that a failure says enough to be diagnosed: each
 * command (its index, the process it went to, what it did, whether it was acknowledged or lost to a
 * kill) and each kill and restart, in the order the test saw them.
 */
export class RunJournal {
  readonly entries: { readonly text: string; readonly accounts: readonly string[] }[] = [];

  note(text: string, accounts: readonly string[] = []): void {
    this.entries.push({ text, accounts });
  }

  /** the entries that name `account`, and every kill and restart (accounts: none) */
  about(account: string): string[] {
    return this.entries.filter((e) => e.accounts.length === 0 || e.accounts.includes(account)).map((e) => e.text);
  }
}

/** One line per event: position, stream, type, the message or session it is about, the command that wrote it. */
function eventLine(e: RecordedEvent): string {
  const data = e.data as { message?: { idClient?: string }; sessionId?: string; messages?: { idClient?: string }[] };
  const meta = e.metadata as { commandId?: string; commandType?: string; device?: string } | undefined;
  const about = data.message?.idClient ?? data.sessionId ?? (data.messages ? data.messages.map((m) => m.idClient).join(',') : '');
  return `${e.position.commit}/${e.position.prepare} ${e.streamName}@${e.revision} ${e.type} ${about} (${meta?.commandType ?? '?'} ${meta?.commandId ?? '?'} from ${meta?.device ?? '?'})`;
}

/** The fields of `actual` and `expected` (a device's views) that differ; sessions of a list compared by id. */
function fieldDiffs(actual: unknown, expected: unknown): string[] {
  if (actual === undefined || expected === undefined) return [`rows: ${JSON.stringify(actual)}`, `rebuild: ${JSON.stringify(expected)}`];
  const out: string[] = [];
  const a = actual as Record<string, unknown>;
  const b = expected as Record<string, unknown>;
  for (const field of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[field]) === JSON.stringify(b[field])) continue;
    const byId = (v: unknown) => new Map(Array.isArray(v) ? v.map((s: { id?: string }, i) => [s.id ?? `#${i}`, s]) : []);
    if (!Array.isArray(a[field]) || !Array.isArray(b[field])) {
      out.push(`${field}: rows ${JSON.stringify(a[field])} / rebuild ${JSON.stringify(b[field])}`);
      continue;
    }
    const [ra, rb] = [byId(a[field]), byId(b[field])];
    const order = (m: Map<string, unknown>) => [...m.keys()].join(',');
    if (order(ra) !== order(rb)) out.push(`${field} order: rows [${order(ra)}] / rebuild [${order(rb)}]`);
    for (const id of new Set([...ra.keys(), ...rb.keys()])) {
      if (JSON.stringify(ra.get(id)) !== JSON.stringify(rb.get(id))) out.push(`${field} ${id}: rows ${JSON.stringify(ra.get(id))} / rebuild ${JSON.stringify(rb.get(id))}`);
    }
  }
  return out;
}

/**
 * A report of the views whose rows differ from the rebuild: for each, the differing fields; for
 * each account among them, its events in the log and what the journal says of it.
 */
export function mismatchReport(differing: readonly string[], rows: Record<string, unknown>, rebuilt: Record<string, unknown>, events: readonly RecordedEvent[], journal: RunJournal): string {
  const lines = [`views whose rows differ from the rebuild: ${differing.join(', ')}`];
  for (const key of differing) lines.push(`  ${key}:`, ...fieldDiffs(rows[key], rebuilt[key]).map((l) => `    ${l}`));
  for (const account of new Set(differing.map((k) => k.split('/')[0]!))) {
    lines.push(`  events of ${account}:`, ...events.filter((e) => parseStream(e.streamName)?.account === account).map((e) => `    ${eventLine(e)}`));
    lines.push(`  the run, as the test saw it, for ${account}:`, ...journal.about(account).map((l) => `    ${l}`));
  }
  return lines.join('\n');
}
