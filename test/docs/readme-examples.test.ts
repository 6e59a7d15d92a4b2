import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readmeExamples, root } from './readme.js';

describe('README examples run as written', () => {
  const found = readmeExamples();
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
