// Before `npm pack`: remove compiled files in dist/ whose TypeScript source no longer exists, so a
// renamed or deleted module never ships as a stale copy (tsc writes outputs but never deletes them).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const outputs = /(\.d\.ts|\.js\.map|\.js)$/;
let removed = 0;

function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (outputs.test(entry.name)) {
      const source = join(root, relative(dist, path).replace(outputs, '.ts'));
      if (!existsSync(source)) {
        rmSync(path);
        removed++;
      }
    }
  }
}

if (existsSync(dist)) walk(dist);
if (removed > 0) console.error(`prune-dist: removed ${removed} compiled file(s) without a source`);
