import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, cli } from './run-cli.js';

// What a new user gets wrong on the command line; every message says what to change.
describe('command line: a new user\'s mistakes get a message saying what to change', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-cli-errors-'));
  const file = join(dir, 'ledger.sqlite');
  const store = `sqlite:${file}`;
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    const { createLedger } = await import('../../index.js');
    const ledger = await createLedger({ store });
    await ledger.account('alice', { device: 'phone' }).ready;
    await ledger.account('bob', { device: 'laptop' }).sendMessage({ scene: 'p2p', from: 'bob', to: 'alice', idClient: 'b1', type: 'text', text: 'hi', time: 1000 });
    await ledger.close();
  });

  it('a path without sqlite:, from --store or from LEDGER_STORE, names the setting and the URL to write', async () => {
    const flag = await cli(['sessions', 'alice', '--store', file]);
    expect([flag.code, flag.stderr.split('\n')[0]]).to.deep.equal([1,
      `session-ledger sessions: --store ${file}: not a store URL; give 'memory', 'sqlite:<path>', 'postgres://…' or 'esdb://…'; for a SQLite file write sqlite:${file}`]);
    const env = await cli(['rebuild'], { env: { LEDGER_STORE: file } });
    expect([env.code, env.stderr.split('\n')[0]]).to.deep.equal([1,
      `session-ledger rebuild: LEDGER_STORE=${file}: not a store URL; give 'memory', 'sqlite:<path>', 'postgres://…' or 'esdb://…'; for a SQLite file write sqlite:${file}`]);
    const folder = await cli(['demo', '--store', dir]);
    expect(folder.stderr).to.contain(`for a SQLite file in that folder write sqlite:${join(dir, 'ledger.sqlite')}`);
    const word = await cli(['demo', '--store', 'mem']);
    expect([word.code, word.stderr.split('\n')[0]]).to.deep.equal([1, "session-ledger demo: --store mem: not a store URL; give 'memory', 'sqlite:<path>', 'postgres://…' or 'esdb://…'"]);
  });

  it('serve: a bad PORT names PORT, a store path without sqlite: gets the URL to write, before anything opens', async () => {
    const port = await cli(['serve'], { env: { PORT: 'abc' } });
    expect([port.code, port.stderr.split('\n')[0]]).to.deep.equal([1, 'session-ledger serve: PORT must be a whole number from 0 to 65535 (0 picks a free port); got "abc"']);
    const flag = await cli(['serve', '--port=70000']);
    expect(flag.stderr.split('\n')[0]).to.equal('session-ledger serve: --port must be a whole number from 0 to 65535 (0 picks a free port); got "70000"');
    const path = await cli(['serve', '--port', '0', '--store', file]);
    expect([path.code, path.stderr.split('\n')[0]]).to.deep.equal([1,
      `session-ledger serve: --store ${file}: not a store URL; give 'memory', 'sqlite:<path>', 'postgres://…' or 'esdb://…'; for a SQLite file write sqlite:${file}`]);
  });

  it('9.3 serve --read-models: a store that keeps its own read models, or a URL of another scheme, is refused naming --read-models before anything opens', async () => {
    const own = await cli(['serve', '--port', '0', '--store', 'memory', '--read-models', 'postgres://127.0.0.1:1/x']);
    expect(own.code).to.equal(1);
    expect(own.stderr.split('\n')[0]).to.match(/^session-ledger serve: --read-models: "postgres:\/\/127\.0\.0\.1:1\/x" is for an EventStoreDB store/);
    const scheme = await cli(['serve', '--port', '0', '--store', 'esdb://127.0.0.1:1?tls=false', '--read-models', 'ftp://x']);
    expect(scheme.stderr.split('\n')[0]).to.equal(`session-ledger serve: --read-models: "ftp://x" is not one of 'postgres://…', 'postgresql://…' or 'sqlite:<path>'`);
  });

  it('a missing store named by LEDGER_STORE says to correct the variable; a path under a file or a device file is refused by name', async () => {
    const missing = join(dir, 'nope.sqlite');
    const r = await cli(['sessions', 'alice'], { env: { LEDGER_STORE: `sqlite:${missing}` } });
    expect([r.code, r.stderr.split('\n')[0]]).to.deep.equal([1,
      `session-ledger sessions: no store at ${missing} (LEDGER_STORE=sqlite:${missing}): run 'npx session-ledger demo' first to create one, or correct LEDGER_STORE, or pass --store <url>`]);
    const under = await cli(['demo', '--messages', '5', '--store', `sqlite:${file}/x.sqlite`]);
    expect([under.code, under.stderr.split('\n')[0]]).to.deep.equal([1,
      `session-ledger demo: --store sqlite:${file}/x.sqlite: cannot create ${file}/x.sqlite: ${file} is a file, not a folder; give a path in a folder, e.g. --store sqlite:${join(dir, 'ledger.sqlite')}`]);
    const device = await cli(['sessions', 'alice', '--store', 'sqlite:/dev/null']);
    expect([device.code, device.stderr.split('\n')[0]]).to.deep.equal([1,
      'session-ledger sessions: --store sqlite:/dev/null: /dev/null is not a regular file; give the path of a SQLite file, e.g. --store sqlite:./data/ledger.sqlite']);
  });

  it('the commands that only read refuse an in-memory store, which is empty in every process', async () => {
    for (const args of [['sessions', 'alice'], ['history', 'alice', 'p2p-bob'], ['rebuild']]) {
      const r = await cli([...args, '--store', 'memory']);
      expect([r.code, r.stderr.split('\n')[0]], args[0]).to.deep.equal([1,
        `session-ledger ${args[0]}: --store memory: an in-memory store starts empty in every process, so there is nothing to read; pass the store a demo wrote, e.g. --store sqlite:./data/ledger.sqlite`]);
    }
  });

  it('a read-only folder or store file is refused before anything is opened, saying where to write instead', async function () {
    const root = process.getuid?.() === 0;
    if (root && !hasRunuser()) {
      console.log('      skipped: as root every file is writable, and runuser (to run as nobody) is missing');
      this.skip();
    }
    const as = root ? 'nobody' : undefined;
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    copyFileSync(file, join(ro, 'ledger.sqlite'));
    chmodSync(dir, 0o755);
    chmodSync(join(ro, 'ledger.sqlite'), 0o444);
    chmodSync(ro, 0o555);
    try {
      const write = await cli(['demo', '--messages', '5', '--store', `sqlite:${ro}/new.sqlite`], { ...(as && { as }) });
      expect([write.code, write.stderr.split('\n')[0]]).to.deep.equal([1,
        `session-ledger demo: --store sqlite:${ro}/new.sqlite: cannot create ${ro}/new.sqlite: ${ro} is read-only for this user; give a path in a folder you can write, e.g. --store sqlite:${join(tmpdir(), 'ledger.sqlite')}`]);
      const read = await cli(['sessions', 'alice', '--device', 'phone', '--store', `sqlite:${ro}/ledger.sqlite`], { ...(as && { as }) });
      expect(read.code).to.equal(1);
      expect(read.stderr).to.contain(`${ro}/ledger.sqlite is read-only for this user, and the ledger writes to its store even to read it (checkpoints); copy the file somewhere writable`);
      expect(existsSync(`${ro}/new.sqlite`)).to.equal(false);
    } finally {
      chmodSync(ro, 0o755);
    }
  });

  it('a mistyped account, device or session id is refused with the nearest names the store has', async () => {
    const account = await cli(['sessions', 'alise', '--device', 'phone', '--store', store]);
    expect([account.code, account.stderr.split('\n')[0]]).to.deep.equal([1, 'session-ledger sessions: this store has no account alise; did you mean alice?']);
    const device = await cli(['sessions', 'alice', '--device', 'phon', '--store', store]);
    expect(device.stderr.split('\n')[0]).to.equal('session-ledger sessions: alice has no device view named phon; known: phone; did you mean phone? (pass --device <name>)');
    const bare = await cli(['history', 'alice', 'bob', '--device', 'phone', '--store', store]);
    expect([bare.code, bare.stderr.split('\n')[0]]).to.deep.equal([1,
      `session-ledger history: "bob" is not a session id: ids are <scene>-<peer or team>, e.g. p2p-bob or team-42; did you mean p2p-bob? ('npx session-ledger sessions alice --device phone' lists them)`]);
    const session = await cli(['history', 'alice', 'p2p-bobb', '--device', 'phone', '--store', store]);
    expect([session.code, session.stderr.split('\n')[0]]).to.deep.equal([1, 'session-ledger history: alice has no session p2p-bobb: nothing was ever recorded for it; did you mean p2p-bob?']);
  });

  it('rebuild into a log (not a terminal) writes its result without carriage-return redraws', async () => {
    const r = await cli(['rebuild', '--store', store]);
    expect(r.code, r.stderr).to.equal(0);
    expect([r.stderr, r.stdout.includes('\r')]).to.deep.equal(['', false]);
    expect(r.stdout).to.match(/^rebuilt the read models of 2 accounts from \d+ events in \d+\.\d\d s\n$/);
  });

  it('a port in use says how to pick another', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const r = await cli(['serve', '--store', 'memory', '--port', String(port)]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain(`session-ledger serve: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n(another program listens on that port: stop it, or pick another with --port <n> or PORT=<n> (0 picks a free one))`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('the command run from a checkout that was never built says to build it', async () => {
    const checkout = join(dir, 'unbuilt');
    mkdirSync(join(checkout, 'bin'), { recursive: true });
    copyFileSync(bin, join(checkout, 'bin', 'session-ledger.js'));
    writeFileSync(join(checkout, 'package.json'), '{ "type": "module" }');
    const r = await cli(['--help'], { script: join(checkout, 'bin', 'session-ledger.js') });
    expect([r.code, r.stderr]).to.deep.equal([1, "session-ledger: the compiled command line (dist/) is missing: run 'npm install' or 'npm run build' in the checkout first\n"]);
  });
});

function hasRunuser(): boolean {
  try {
    execFileSync('runuser', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
