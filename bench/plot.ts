/**
 * The ratios of every recorded run as an SVG line chart (bench/ratios.svg), one line per path,
 * from bench/history.json, which `npm run bench -- --record` appends to.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface RecordedRun {
  readonly date: string;
  readonly ratios: Readonly<Record<string, number>>;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function readHistory(path: string): RecordedRun[] {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as RecordedRun[]) : [];
}

export function svg(runs: readonly RecordedRun[]): string {
  const width = 760, height = 360, left = 50, right = 300, top = 20, bottom = 40;
  const paths = [...new Set(runs.flatMap((r) => Object.keys(r.ratios)))];
  const max = Math.max(1, ...runs.flatMap((r) => Object.values(r.ratios)));
  const x = (i: number) => left + (runs.length <= 1 ? 0 : (i * (width - left - right)) / (runs.length - 1));
  const y = (v: number) => top + (height - top - bottom) * (1 - v / max);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="14">ledger / baseline in the same run (higher is better)</text>`];
  for (let v = 0; v <= max + 1e-9; v += max / 4) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`);
  }
  runs.forEach((r, i) => parts.push(`<text x="${x(i)}" y="${height - bottom + 16}" text-anchor="middle">${escape(r.date)}</text>`));
  paths.forEach((p, k) => {
    const colour = COLOURS[k % COLOURS.length];
    const points = runs.map((r, i) => (r.ratios[p] === undefined ? undefined : `${x(i)},${y(r.ratios[p]!)}`)).filter(Boolean);
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.join(' ')}"/>`);
    for (const pt of points) parts.push(`<circle cx="${pt!.split(',')[0]}" cy="${pt!.split(',')[1]}" r="3" fill="${colour}"/>`);
    parts.push(`<rect x="${width - right + 12}" y="${top + k * 18}" width="10" height="10" fill="${colour}"/><text x="${width - right + 28}" y="${top + k * 18 + 9}">${escape(p)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function record(historyPath: string, svgPath: string, run: RecordedRun): void {
  const runs = [...readHistory(historyPath), run];
  writeFileSync(historyPath, `${JSON.stringify(runs, null, 2)}\n`);
  writeFileSync(svgPath, `${svg(runs)}\n`);
}
