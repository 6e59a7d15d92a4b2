/**
 * What dominates each hot path: runs one path of the limits bench under `node --cpu-prof` and sums
 * the profile's self time by function, so RESULTS.md can say where the time goes.
 * Run: npx tsc -p tsconfig.json && node dist/bench/profile.js [path...]   (paths: ingest-memory,
 * ingest-sqlite, ingest-sqlite-64, replay, rebuild (the replay alone, its log built unprofiled), streams;
 * PROFILE_TOP=n for more rows)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Self time per function, largest first, as shares of the whole profile. */
export function summarize(profile: CpuProfile, top = 12): Array<{ name: string; share: number }> {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const frame = byNode.get(id)?.callFrame;
    const where = frame?.url ? relative(root, fileURLToPath(frame.url.startsWith('file:') ? frame.url : pathToFileURL(frame.url))) : '';
    const name = `${frame?.functionName || '(anonymous)'}${where ? ` ${where}:${(frame?.lineNumber ?? 0) + 1}` : ''}`;
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, share: us / total }));
}

/** The area a profiled function belongs to, from its file (or V8's own entries). */
export function areaOf(name: string): string {
  const rules: [RegExp, string][] = [
    [/^\(garbage collector\)/, 'GC'],
    [/^\((program|idle)\)/, 'V8 and native (program)'],
    [/class-validator|application\/validation/, 'validation'],
    [/better-sqlite3|^(run|all|get|iterate|exec|transaction|prepare|pragma) /, 'sqlite (native calls)'],
    [/infrastructure\/readmodels/, 'read-model rows'],
    [/projections\/session-list\/(fold|unread|upkeep|model|logins)/, 'fold'],
    [/projections\/session-list\/(ordered-index)/, 'fold: ordered index'],
    [/projections\/session-list/, 'read models (queries, rows)'],
    [/domain\//, 'decider and domain'],
    [/infrastructure\/store\/shared\/json|^(parse|stringify) |JSON/, 'encoding (JSON)'],
    [/infrastructure\/store|infrastructure\/upcasting/, 'event store'],
    [/application\/write/, 'command path'],
    [/application\/read/, 'projection runner and routing'],
    [/application\/api/, 'device view'],
    [/application\/streams|rxjs/, 'streams'],
    [/uuid|node:crypto|createHash|randomUUID/, 'ids (uuid, SHA-1)'],
    [/node:internal|^\(anonymous\)$|^(processTicksAndRejections|runMicrotasks) /, 'node internals, promises'],
  ];
  for (const [pattern, area] of rules) if (pattern.test(name)) return area;
  return 'other';
}

/** Self time by area, largest first. */
export function byArea(rows: ReadonlyArray<{ name: string; share: number }>): Array<{ name: string; share: number }> {
  const areas = new Map<string, number>();
  for (const { name, share } of rows) areas.set(areaOf(name), (areas.get(areaOf(name)) ?? 0) + share);
  return [...areas].sort((a, b) => b[1] - a[1]).map(([name, share]) => ({ name, share }));
}

export const PATHS = ['ingest-memory', 'ingest-sqlite', 'ingest-sqlite-64', 'replay', 'rebuild', 'streams'] as const;

export function profile(path: string, top = 12): Array<{ name: string; share: number }> {
  if (!(PATHS as readonly string[]).includes(path)) throw new Error(`unknown path ${path}; one of ${PATHS.join(', ')}`);
  const bench = pathToFileURL(join(root, 'dist/bench/limits-bench.js')).href;
  const script = `const m = await import(${JSON.stringify(bench)}); await m.profilePath(${JSON.stringify(path)});`;
  const dir = mkdtempSync(join(tmpdir(), 'ledger-prof-'));
  const log = join(dir, 'replay.sqlite');
  try {
    if (path === 'rebuild') {
      // 'rebuild' is the replay without building its log: that is done first, unprofiled
      const build = `const m = await import(${JSON.stringify(bench)}); await m.buildReplayLog(100000, ${JSON.stringify(log)});`;
      execFileSync(process.execPath, ['--input-type=module', '-e', build], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LEDGER_REPLAY_LOG: log } });
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no profile written');
    return summarize(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, top);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const top = Number(process.env['PROFILE_TOP'] ?? 12);
  const paths = process.argv.slice(2);
  for (const path of paths.length > 0 ? paths : PATHS) {
    console.log(`\n${path}: self time by function`);
    const all = profile(path, Number.MAX_SAFE_INTEGER);
    for (const { name, share } of all.slice(0, top)) console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
    console.log(`${path}: self time by area`);
    for (const { name, share } of byArea(all)) console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
}
