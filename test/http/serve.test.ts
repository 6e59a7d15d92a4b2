import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const bin = fileURLToPath(new URL('../../../bin/session-ledger.js', import.meta.url));

describe('session-ledger serve (npm start)', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'serve-test-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('seeds an empty store, prints its URL and demo tokens, serves the inbox and the API, and stops cleanly on SIGINT', async () => {
    const env = { ...process.env };
    delete env['LEDGER_AUTH_SECRET'];
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--store', `sqlite:${join(dir, 'ledger.sqlite')}`, '--demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ctrl-C stops the service.')) resolve();
      });
      void exited.then((code) => reject(new Error(`serve exited with ${code} before it was ready:\n${out}`)));
    });
    const url = /serving \S+ at (http:\/\/\S+)/.exec(out)![1]!;
    const token = /alice on phone\s+(\S+)/.exec(out)![1]!;
    expect(out).to.contain('"level":"warn","msg":"LEDGER_AUTH_SECRET is not set');
    expect(out).to.contain('"msg":"seeded demo data"');
    const page = await fetch(`${url}/`);
    expect(page.headers.get('content-type')).to.contain('text/html');
    expect(await page.text()).to.contain('<title>session-ledger inbox</title>');
    const list = await (await fetch(`${url}/v1/accounts/alice/sessions?limit=3`, { headers: { authorization: `Bearer ${token}` } })).json() as { sessions: unknown[]; position: string };
    expect(list.sessions).to.have.length(3);
    expect(BigInt(list.position) > 0n).to.equal(true);
    child.kill('SIGINT');
    expect(await exited).to.equal(0);
    expect(out).to.contain('"msg":"stopped"');
  });

  it('refuses a bad --port with a message naming it', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', 'eighty', '--store', `sqlite:${join(dir, 'ledger.sqlite')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).to.equal(1);
    expect(err).to.contain('--port must be a whole number from 0 to 65535 (0 picks a free port); got "eighty"');
    expect(existsSync(join(dir, 'ledger.sqlite'))).to.equal(false);
  });
});
