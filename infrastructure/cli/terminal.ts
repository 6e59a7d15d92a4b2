/** Plain-text output for the command line: a progress bar and tables that fit the terminal. */

/** The width to fit: the terminal's, or 80 columns when the output is not a terminal. */
export function terminalWidth(out: NodeJS.WriteStream = process.stdout): number {
  return out.isTTY && out.columns > 0 ? out.columns : 80;
}

export function progressBar(label: string, total: number, out: NodeJS.WriteStream = process.stderr): { tick(done: number): void; end(): void } {
  const width = 30;
  let shown = -1;
  const draw = (done: number) => {
    const pct = total === 0 ? 100 : Math.min(100, Math.floor((done / total) * 100));
    if (pct === shown) return;
    shown = pct;
    const filled = Math.round((pct / 100) * width);
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${done}/${total}`;
    // Without a terminal, print every tenth percent on its own line instead of redrawing.
    if (out.isTTY) out.write(`\r${line}`);
    else if (pct % 10 === 0) out.write(`${line}\n`);
  };
  return {
    tick: draw,
    end() {
      draw(total);
      if (out.isTTY) out.write('\n');
    },
  };
}

const GAP = 2;
/** No column is shortened below this (or below its widest cell, when that is narrower). */
const MIN_COLUMN = 6;

export interface TableOptions {
  /** the width to fit (default: the terminal's) */
  readonly width?: number;
  /** columns never shortened (times, counts): shortening them would only mislead */
  readonly rigid?: readonly number[];
}

/**
 * An aligned table at most `width` columns wide: columns empty in every row are left out, and
 * while the table is too wide its widest column (among those not rigid) loses a character, its
 * cells ending in "…".
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const width = options.width ?? terminalWidth();
  const kept = headers.map((_, i) => i).filter((i) => rows.some((r) => (r[i] ?? '') !== ''));
  const head = kept.map((i) => headers[i]!);
  const body = rows.map((r) => kept.map((i) => r[i] ?? ''));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const floor = widths.map((w, i) => (options.rigid?.includes(kept[i]!) ? w : Math.min(w, MIN_COLUMN)));
  let excess = widths.reduce((a, b) => a + b, 0) + GAP * Math.max(0, widths.length - 1) - width;
  while (excess > 0) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > floor[i]! && (widest < 0 || w > widths[widest]!)) widest = i;
    });
    if (widest < 0) break; // every column is as narrow as it may be
    widths[widest] = widths[widest]! - 1;
    excess--;
  }
  const line = (cells: readonly string[]) => cells.map((c, i) => truncate(c, widths[i]!).padEnd(widths[i]!)).join(' '.repeat(GAP)).trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/**
 * Times for one table: when they all fall on one UTC day, the day is said once (`day`) and the
 * cells show the time of day only, which leaves the other columns room.
 */
export function timesOf(times: readonly (number | undefined)[]): { readonly day: string | undefined; format(ms: number | undefined): string } {
  const days = new Set(times.filter((t): t is number => t !== undefined).map((t) => isoTime(t).slice(0, 10)));
  const day = days.size === 1 ? [...days][0] : undefined;
  return { day, format: (ms) => (day === undefined ? isoTime(ms) : isoTime(ms).slice(11)) };
}

export function isoTime(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
