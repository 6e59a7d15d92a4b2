/** Plain-text output for the command line: a progress bar and aligned tables. */

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

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function isoTime(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
