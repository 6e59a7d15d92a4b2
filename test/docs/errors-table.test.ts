import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as api from '../../index.js';
import { root } from './readme.js';

describe('the README errors table', () => {
  it('names every error class the package exports, and each sets .name to its class name', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Errors\n'), readme.indexOf('\n## ', readme.indexOf('\n## Errors\n') + 1));
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    const exported = Object.entries(api).filter(([name, value]) => typeof value === 'function' && name.endsWith('Error'));
    expect(exported.length).to.be.greaterThan(5);
    expect(exported.map(([name]) => name).filter((name) => !rows.some((row) => row.split('|')[1]!.includes(`\`${name}\``)))).to.deep.equal([]);
    for (const [name, value] of exported) {
      const error = new (value as new (...args: unknown[]) => Error)('x', []);
      expect([error instanceof Error, error.name], name).to.deep.equal([true, name]);
    }
  });
});
