import { expect } from 'chai';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asCommonJs, readmeExamples } from '../docs/readme.js';

// dist/test/package → the checkout root
const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

interface PackedFile {
  readonly path: string;
}
interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly PackedFile[];
}

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return result;
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  expect(result.status, `${what} failed:\n${result.stdout}\n${result.stderr}`).to.equal(0);
  return result.stdout;
}

/** Links a dependency the checkout already installed (better-sqlite3 is built once, not per test). */
function linkFromCheckout(project: string, name: string): void {
  const target = join(project, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(root, 'node_modules', name), target, 'dir');
}

const ESM_CONSUMER = `
import { createLedger, mergeSessions, ValidationError, type Session } from 'session-ledger';

const ledger = await createLedger({ store: 'memory' });
const alice = ledger.account('alice');
await alice.receiveMessage({ scene: 'p2p', from: 'bob', to: 'alice', idClient: 'b1', type: 'text', text: 'hi', time: 1 });
const { sessions } = await alice.getLocalSessions({ limit: 10 });
const first: Session | undefined = sessions[0];
const unread: number = first?.unread ?? 0;
const merged: Session[] = mergeSessions(null, sessions);
// @ts-expect-error an account id is a string: the declarations are real types, not any
ledger.account(42);
// @ts-expect-error 'chat' is not a scene
await alice.receiveMessage({ scene: 'chat', from: 'bob', to: 'alice', idClient: 'b2', type: 'text', time: 2 });
console.log(unread, merged.length, ValidationError.name);
await ledger.close();
`;

const CJS_CONSUMER = `
import { createLedger, type Session } from 'session-ledger';

export async function count(): Promise<number> {
  const ledger = await createLedger({ store: 'memory' });
  const list: Session[] = (await ledger.account('alice').getLocalSessions()).sessions;
  await ledger.close();
  return list.length;
}
`;

describe('the package, packed and installed into a fresh project', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'ledger-pack-'));
  const project = join(work, 'consumer');
  const timings: string[] = [];
  let packed: PackResult;
  const timed = <T>(label: string, step: () => T): T => {
    const started = performance.now();
    try {
      return step();
    } finally {
      timings.push(`${label} ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  };

  before(function () {
    const out = timed('npm pack', () => ok(run('npm', ['pack', '--json', '--pack-destination', work], root), 'npm pack'));
    // lifecycle scripts may print before the JSON report
    packed = (JSON.parse(out.slice(out.indexOf('['))) as PackResult[])[0]!;
    mkdirSync(project);
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    writeFileSync(join(project, 'package.json'), JSON.stringify({
      name: 'consumer', private: true,
      dependencies: { 'session-ledger': `file:../${packed.filename}` },
      devDependencies: { '@types/node': `file:${join(root, 'node_modules', '@types', 'node')}` },
    }));
    for (const name of Object.keys(manifest.dependencies)) linkFromCheckout(project, name);
    timed('npm install --offline', () => ok(run('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], project), 'npm install'));
  });
  after(() => {
    console.log(`      pack and install: ${packed?.files.length ?? '?'} files, ${((packed?.size ?? 0) / 1024).toFixed(1)} kB packed, ${((packed?.unpackedSize ?? 0) / 1024).toFixed(1)} kB unpacked; ${timings.join(', ')}`);
    rmSync(work, { recursive: true, force: true });
  });

  it('the tarball holds the built library, its types, the CLI and the docs, and no tests, bench, CI or sources', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).to.include.members([
      'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/session-ledger.js',
      'dist/index.js', 'dist/index.d.ts', 'dist/infrastructure/cli/main.js', 'docs/SESSIONS.md', 'docs/STREAMS.md',
      // the web inbox that `session-ledger serve` serves at /
      'dist/infrastructure/http/web/inbox.js', 'infrastructure/http/web/index.html', 'infrastructure/http/web/inbox.css',
    ]);
    const unwanted = paths.filter((p) =>
      /^(dist\/)?(test|bench|\.ci|scripts)\//.test(p) || p.endsWith('.map') || (p.endsWith('.ts') && !p.endsWith('.d.ts')) || p.includes('tsbuildinfo'));
    expect(unwanted).to.deep.equal([]);
    // every compiled module has a source in the checkout: nothing stale from a renamed file ships
    const stale = paths.filter((p) => p.startsWith('dist/') && p.endsWith('.js'))
      .filter((p) => !existsSync(join(root, `${p.slice('dist/'.length, -'.js'.length)}.ts`)));
    expect(stale).to.deep.equal([]);
  });

  it('import and require() both load it, and the sqlite store opens with the installed native module', () => {
    const esm = `import { createLedger, EventTypes } from 'session-ledger';
const ledger = await createLedger({ store: 'sqlite:' + ${JSON.stringify(join(work, 'store.sqlite'))} });
const alice = ledger.account('alice');
await alice.receiveMessage({ scene: 'p2p', from: 'bob', to: 'alice', idClient: 'b1', type: 'text', time: 1 });
console.log(await alice.getTotalUnread(), EventTypes.MessageReceived);
await ledger.close();`;
    writeFileSync(join(project, 'esm.mjs'), esm);
    expect(ok(run(process.execPath, ['esm.mjs'], project), 'import').trim()).to.equal('1 MessageReceived');
    writeFileSync(join(project, 'cjs.cjs'), `const ledger = require('session-ledger');
console.log(typeof ledger.createLedger, typeof ledger.mergeSessions, require('session-ledger/package.json').version, typeof require('session-ledger/service').createService);`);
    const required = timed('require()', () => run(process.execPath, ['cjs.cjs'], project));
    expect(ok(required, 'require()').trim()).to.equal('function function 0.1.0 function');
    expect(required.stderr).to.equal('');
  });

  it('every README example runs in the installed project, imported as an ES module and required as CommonJS', () => {
    const found = readmeExamples();
    expect(found.length).to.be.greaterThan(5);
    for (const { name, code } of found) {
      writeFileSync(join(project, `example-${name}.mjs`), code);
      writeFileSync(join(project, `example-${name}.cjs`), asCommonJs(code));
    }
    // one process each way, the examples one after another, so a failure names its example
    const names = JSON.stringify(found.map((e) => e.name));
    writeFileSync(join(project, 'examples.mjs'), `for (const name of ${names}) {
  try { await import(\`./example-\${name}.mjs\`); } catch (error) { console.error(name, error); process.exit(1); }
}`);
    writeFileSync(join(project, 'examples.cjs'), `(async () => {
  for (const name of ${names}) {
    try { await require(\`./example-\${name}.cjs\`); } catch (error) { console.error(name, error); process.exit(1); }
  }
})();`);
    for (const runner of ['examples.mjs', 'examples.cjs']) {
      const result = timed(runner, () => run(process.execPath, [runner], project));
      expect(result.status, `${runner}:\n${result.stderr}`).to.equal(0);
      expect(result.stderr, runner).to.equal('');
    }
  });

  it('the session-ledger command runs from node_modules/.bin: --version and --help', () => {
    const bin = join(project, 'node_modules', '.bin', 'session-ledger');
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
    expect(ok(run(bin, ['--version'], project), '--version').trim()).to.equal(version);
    expect(ok(run(bin, ['--help'], project), '--help')).to.match(/^usage: session-ledger <command>/m);
    expect(ok(run(bin, ['sessions', '--help'], project), 'sessions --help')).to.match(/^usage: session-ledger sessions <account>/m);
  });

  it('the installed command runs the demo and the audit tools on a sqlite store, within 80 columns', () => {
    const bin = join(project, 'node_modules', '.bin', 'session-ledger');
    const store = ['--store', `sqlite:${join(work, 'cli.sqlite')}`];
    const demo = ok(run(bin, ['demo', '--accounts', '4', '--messages', '30', ...store], project), 'demo');
    const sessionId = /^(p2p-\S+)\s+\d+/m.exec(demo)?.[1];
    expect(sessionId, demo).to.be.a('string');
    const list = ok(run(bin, ['sessions', 'user000', '--device', 'phone', ...store], project), 'sessions');
    const history = ok(run(bin, ['history', 'user000', sessionId!, '--device', 'phone', ...store], project), 'history');
    expect(history).to.match(/MessageReceived|MessageSent/);
    expect(ok(run(bin, ['rebuild', ...store], project), 'rebuild')).to.match(/^rebuilt the read models of 4 accounts/);
    expect([list, history].join('\n').split('\n').filter((line) => line.length > 80)).to.deep.equal([]);
  });

  it('the installed command serves the web inbox and stops on SIGINT', async () => {
    const child = spawn(join(project, 'node_modules', '.bin', 'session-ledger'), ['serve', '--store', 'memory', '--port', '0'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          const found = /serving memory at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
          if (found) resolve(found);
        });
        void exited.then((code) => reject(new Error(`serve exited (${code}) before listening:\n${out}`)));
      });
      for (const path of ['/', '/inbox.js', '/inbox.css']) expect((await fetch(`${url}${path}`)).status, path).to.equal(200);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).to.equal(0);
  });

  it('a strict TypeScript consumer (module and moduleResolution nodenext) type-checks, as ESM and as CommonJS', () => {
    writeFileSync(join(project, 'consumer.mts'), ESM_CONSUMER);
    writeFileSync(join(project, 'consumer.cts'), CJS_CONSUMER);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true,
        skipLibCheck: false, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, types: ['node'],
      },
      files: ['consumer.mts', 'consumer.cts'],
    }));
    const result = timed('tsc', () => run(process.execPath, [tsc, '-p', 'tsconfig.json'], project));
    expect(result.status, result.stdout).to.equal(0);
  });
});
