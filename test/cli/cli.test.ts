import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/session-ledger.js', import.meta.url));

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-cli-'));
  const store = `sqlite:${join(dir, 'demo.sqlite')}`;
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('demo writes a workload and prints an account\'s session list with unread totals', async () => {
    const r = await cli(['demo', '--accounts', '30', '--messages', '400', '--store', store]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/user000 on device phone: \d+ session\(s\) shown, \d+ unread in all/);
    expect(r.stdout).to.contain('session      unread');
    expect(r.stderr).to.contain('100% 400/400');
  });

  it('sessions and history read the store; history prints one line per event with the unread after it', async () => {
    const list = await cli(['sessions', 'user000', '--device', 'phone', '--limit', '3', '--store', store]);
    expect(list.code, list.stderr).to.equal(0);
    const sessionId = /\n(p2p-\S+|team-\S+)\s+\d+/.exec(list.stdout)?.[1];
    expect(sessionId, list.stdout).to.be.a('string');
    const history = await cli(['history', 'user000', sessionId!, '--device', 'phone', '--store', store]);
    expect(history.code, history.stderr).to.equal(0);
    expect(history.stdout).to.match(/Message(Received|Sent)\s+\S+\s+.+\s+\d+\n/);
    const unknown = await cli(['sessions', 'user000', '--device', 'nope', '--store', store]);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('known: phone');
  });

  it('rebuild replays every event into fresh read models', async () => {
    const r = await cli(['rebuild', '--store', store]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/rebuilt the read models of \d+ accounts from \d+ events/);
  });

  it('bot-demo runs the survey: one user finishes, one times out politely', async () => {
    const r = await cli(['bot-demo', '--store', 'memory', '--timeout', '200']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('surveybot → ann      : Thanks! You rated us 5 and said "yes".');
    expect(r.stdout).to.contain('surveybot → ben      : No worries, we will ask another time. Have a nice day!');
    expect(r.stdout).to.contain('surveybot → cat      : Thanks! You rated us 4 and said "no".');
  });

  it('bad arguments fail with a message saying what to change, and create nothing', async () => {
    const messages = await cli(['demo', '--messages', '2.5', '--store', 'memory']);
    expect([messages.code, messages.stderr]).to.deep.equal([1, 'session-ledger demo: --messages must be a whole number from 1 up; got "2.5"\n']);
    const missing = join(dir, 'typo', 'x.sqlite');
    const typo = await cli(['sessions', 'user000', '--store', `sqlite:${missing}`]);
    expect(typo.code).to.equal(1);
    expect(typo.stderr).to.contain(`no store at ${missing}`);
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, 'typo'))).to.equal(false);
    const device = await cli(['history', 'user000', 'p2p-user001', '--device', 'nope', '--store', store]);
    expect([device.code, device.stderr.includes('known: phone')]).to.deep.equal([1, true]);
    const extra = await cli(['sessions', 'user000', 'oops', '--store', store]);
    expect([extra.code, extra.stderr.includes('unexpected argument "oops"')]).to.deep.equal([1, true]);
  });

  it('an unknown command prints the usage and fails', async () => {
    const r = await cli(['fly']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('usage:');
  });
});
