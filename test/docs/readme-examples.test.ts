import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/docs → the checkout root, where README.md and package.json live
const root = fileURLToPath(new URL('../../../', import.meta.url));

function examples(): { name: string; code: string }[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const out: { name: string; code: string }[] = [];
  for (const block of readme.matchAll(/```js\n([\s\S]*?)```/g)) {
    const name = /^\/\/ example: (\S+)/.exec(block[1]!)?.[1];
    if (name) out.push({ name, code: block[1]! });
  }
  return out;
}

describe('README examples run as written', () => {
  const found = examples();
  it('the README has its examples', () => {
    expect(found.map((e) => e.name)).to.include.members(['survey-bot', 'messages', 'sync', 'unread', 'receipts', 'queries', 'list', 'helpers', 'callbacks', 'audit']);
  });
  // Saved inside the checkout, so `import … from 'session-ledger'` resolves to this package.
  const dir = mkdtempSync(join(root, '.readme-example-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const { name, code } of found) {
    it(`example "${name}" runs without an assertion failing`, () => {
      const file = join(dir, `${name}.mjs`);
      writeFileSync(file, code);
      const result = spawnSync(process.execPath, [file], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
      expect(result.stderr, result.stderr).to.equal('');
      expect(result.status).to.equal(0);
    });
  }
});
