import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/docs → the checkout root
const root = fileURLToPath(new URL('../../../', import.meta.url));
/** Files a reader is told to create, not to find, and names that only look like paths. */
const NOT_CITATIONS = new Set(['example.mjs', 'ledger/' /* the stream-name prefix of the ledger's streams */]);
/** What an installed package's path means in the checkout. */
const INSTALLED = 'node_modules/session-ledger/';

/** Relative links and backticked file paths (a name with an extension, or a folder ending in '/'). */
function citedPaths(text: string): string[] {
  const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((p) => !/^[a-z]+:/.test(p));
  const ticks = [...text.matchAll(/`([\w./-]+)`/g)].map((m) => m[1]!)
    .filter((p) => /^[\w.-]+(\/[\w.-]+)*(\.(md|ts|js|mjs|cjs|json)|\/)$/.test(p) && !/^\.?\w+$/.test(p));
  return [...new Set([...links, ...ticks])];
}

function missing(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return citedPaths(text)
    .filter((p) => !NOT_CITATIONS.has(p))
    .map((p) => (p.startsWith(INSTALLED) ? p.slice(INSTALLED.length) : p))
    .filter((p) => !existsSync(join(root, dirname(file), p)) && !existsSync(join(root, p)))
    .map((p) => `${file}: ${p}`);
}

describe('documents refer only to files that exist in the repository or the package', () => {
  const docs = ['README.md', 'CHANGELOG.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)];
  // every TypeScript file that ships compiled (its doc comments go into dist/ and the .d.ts files)
  const shipped = ['index.ts', 'service.ts', ...['domain', 'application', 'projections', 'infrastructure'].flatMap((dir) =>
    (readdirSync(join(root, dir), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => `${dir}/${f}`))];

  it('the README, the changelog and docs/ cite only files and folders that exist', () => {
    expect(docs.flatMap(missing)).to.deep.equal([]);
  });

  it('the README explains rule ids and points at the rules in docs/', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).to.contain('## Rule ids');
    expect(readme).to.contain('[`docs/SESSIONS.md`](docs/SESSIONS.md)');
    expect(readme).to.contain('[`docs/STREAMS.md`](docs/STREAMS.md)');
    for (const file of ['docs/SESSIONS.md', 'docs/STREAMS.md']) {
      const rules = readFileSync(join(root, file), 'utf8');
      expect(rules, file).to.match(file.endsWith('SESSIONS.md') ? /^## S10 /m : /^## M9 /m);
      expect(rules, file).not.to.match(/\.txt`/); // no citation of source files users never get
    }
  });

  it('the library and the command line cite no spec file outside docs/ (the package ships none)', () => {
    const cited = shipped.flatMap((file) => [...readFileSync(join(root, file), 'utf8').matchAll(/\b(?<!docs\/)(SESSIONS|STREAMS|API|ARCHITECTURE)\.md\b|shared\/spec/g)].map((m) => `${file}: ${m[0]}`));
    expect(cited).to.deep.equal([]);
  });
});
