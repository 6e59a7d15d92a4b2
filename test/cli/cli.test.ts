import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './run-cli.js';
import { fileURLToPath } from 'node:url';

describe('command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-cli-'));
  const store = `sqlite:${join(dir, 'demo.sqlite')}`;
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('demo writes a workload and prints an account\'s session list with unread totals', async () => {
    const r = await cli(['demo', '--accounts', '30', '--messages', '400', '--store', store]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/user000 on device phone: \d+ session\(s\) shown, \d+ unread in all/);
    expect(r.stdout).to.match(/session +unread +updateTime/);
    expect(r.stderr).to.contain('100% 400/400');
    expect(r.stdout.split('\n').filter((line) => line.length > 80 && !line.includes(store))).to.deep.equal([]);
  });

  it('the commands the demo suggests next run as printed', async () => {
    const r = await cli(['demo', '--accounts', '5', '--messages', '40', '--store', `sqlite:${join(dir, 'next.sqlite')}`]);
    const next = r.stdout.slice(r.stdout.indexOf('\nnext:\n') + 7).trim().split('\n').map((line) => line.trim());
    expect(next.map((line) => line.split(' ').slice(0, 3).join(' '))).to.deep.equal(['npx session-ledger sessions', 'npx session-ledger history']);
    for (const line of next) {
      const run = await cli(line.split(' ').slice(2));
      expect(run.code, `${line}\n${run.stderr}`).to.equal(0);
    }
  });

  it('sessions and history read the store; history prints one line per event with the unread after it', async () => {
    const list = await cli(['sessions', 'user000', '--device', 'phone', '--limit', '3', '--store', store]);
    expect(list.code, list.stderr).to.equal(0);
    const sessionId = /\n(p2p-\S+|team-\S+)\s+\d+/.exec(list.stdout)?.[1];
    expect(sessionId, list.stdout).to.be.a('string');
    const history = await cli(['history', 'user000', sessionId!, '--device', 'phone', '--store', store]);
    expect(history.code, history.stderr).to.equal(0);
    expect(history.stdout).to.match(/Message(Received|Sent)\s+\S+\s+.+\s+\d+\n/);
    expect(history.stdout.split('\n').filter((line) => line.length > 80)).to.deep.equal([]);
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
    expect([messages.code, messages.stderr]).to.deep.equal([1, 'session-ledger demo: --messages must be a whole number from 1 up, written in digits (e.g. 6000); got "2.5"\n(see \'session-ledger demo --help\')\n']);
    const missing = join(dir, 'typo', 'x.sqlite');
    const typo = await cli(['sessions', 'user000', '--store', `sqlite:${missing}`]);
    expect(typo.code).to.equal(1);
    expect(typo.stderr).to.contain(`no store at ${missing}`);
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

describe('command line: help, version and clear errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version: string };
    const r = await cli(['--version']);
    expect([r.code, r.stdout]).to.deep.equal([0, `${version}\n`]);
  });

  it('--help lists every command; each command has its own --help, within 80 columns', async () => {
    const overview = await cli(['--help']);
    expect(overview.code).to.equal(0);
    const names = [...overview.stdout.matchAll(/^ {2}([a-z][a-z-]*) {2,}\S/gm)].map((m) => m[1]);
    const storeCommands = ['demo', 'sessions', 'history', 'rebuild', 'bot-demo'];
    expect(names).to.include.members(storeCommands); // other commands may join them
    for (const name of names) {
      const help = await cli([name!, '--help']);
      expect(help.code, name).to.equal(0);
      expect(help.stdout, name).to.match(new RegExp(`^usage: session-ledger ${name}`));
      if (storeCommands.includes(name!)) expect(help.stdout, name).to.contain('--store <url>');
      const wide = [overview.stdout, help.stdout].join('\n').split('\n').filter((line) => line.length > 80);
      expect(wide, name).to.deep.equal([]);
    }
    // help comes before any check of the other arguments
    expect((await cli(['sessions', '--limit', 'lots', '-h'])).code).to.equal(0);
    expect((await cli(['help', 'history'])).stdout).to.match(/^usage: session-ledger history <account> <sessionId>/);
    const unknown = await cli(['help', 'hist']);
    expect([unknown.code, unknown.stderr.split('\n')[0]]).to.deep.equal([2, 'no command "hist" to explain']);
  });

  it('counts written otherwise than in digits (1e3, 0x10, empty) are refused with the option named', async () => {
    for (const raw of ['1e3', '0x10', '', ' 7']) {
      const r = await cli(['demo', '--messages', raw, '--store', 'memory']);
      expect(r.code, raw).to.equal(1);
      expect(r.stderr, raw).to.contain(`--messages must be a whole number from 1 up, written in digits (e.g. 6000); got ${JSON.stringify(raw)}`);
    }
    const limit = await cli(['sessions', 'user000', '--limit', '101', '--store', 'memory']);
    expect(limit.stderr).to.contain('--limit must be a whole number from 1 to 100; got "101"');
  });

  it('a store path that is a directory is refused by name, for writing and for reading', async () => {
    for (const args of [['demo', '--messages', '5'], ['sessions', 'user000'], ['rebuild']]) {
      const r = await cli([...args, '--store', `sqlite:${dir}`]);
      expect(r.code, args[0]).to.equal(1);
      expect(r.stderr, args[0]).to.contain(`--store sqlite:${dir}: ${dir} is a directory; give a file in it, e.g. sqlite:${dir}/ledger.sqlite`);
    }
  });

  it('demo adds to the store unless --fresh empties it first; --fresh leaves a non-sqlite store alone and says so', async () => {
    const file = join(dir, 'fresh.sqlite');
    const store = `sqlite:${file}`;
    const events = async () => Number(/from (\d+) events/.exec((await cli(['rebuild', '--store', store])).stdout)?.[1]);
    expect((await cli(['demo', '--accounts', '5', '--messages', '40', '--store', store])).code).to.equal(0);
    const once = await events();
    const again = await cli(['demo', '--accounts', '5', '--messages', '40', '--store', store]);
    expect(again.stdout).to.match(/\(adding to the \d+\.\d MB already there; --fresh starts over\)/);
    const twice = await events();
    expect(twice).to.be.greaterThan(once);
    const fresh = await cli(['demo', '--accounts', '5', '--messages', '40', '--fresh', '--store', store]);
    expect(fresh.code, fresh.stderr).to.equal(0);
    expect(fresh.stdout).not.to.contain('adding to');
    expect(await events()).to.equal(once);
    // a store another process has open is never deleted under it
    const { createLedger } = await import('../../index.js');
    const holder = await createLedger({ store });
    try {
      const refused = await cli(['demo', '--accounts', '5', '--messages', '40', '--fresh', '--store', store]);
      expect(refused.code).to.equal(1);
      expect(existsSync(file)).to.equal(true);
    } finally {
      await holder.close();
    }
    expect(await events()).to.equal(once);
    const esdb = await cli(['demo', '--fresh', '--store', 'esdb://127.0.0.1:1?tls=false']);
    expect([esdb.code, esdb.stderr.split('\n')[0]]).to.deep.equal([1, 'session-ledger demo: --fresh empties a sqlite store only; esdb://127.0.0.1:1?tls=false is kept as it is (start a new server, or leave out --fresh)']);
  });

  it('history names the device that recorded each event, with its account when another account recorded it', async () => {
    const file = join(dir, 'devices.sqlite');
    const { createLedger } = await import('../../index.js');
    const ledger = await createLedger({ store: `sqlite:${file}` });
    await ledger.account('alice', { device: 'tablet' }).ready;
    await ledger.account('bob', { device: 'phone' }).sendMessage({ scene: 'p2p', from: 'bob', to: 'alice', idClient: 'b1', type: 'text', text: 'hi', time: 1000 });
    await ledger.account('alice', { device: 'laptop' }).resetSessionUnread('p2p-bob');
    await ledger.close();
    const r = await cli(['history', 'alice', 'p2p-bob', '--device', 'tablet', '--store', `sqlite:${file}`]);
    expect(r.code, r.stderr).to.equal(0);
    const rows = r.stdout.split('\n').filter((line) => /^\d\d:\d\d/.test(line)).map((line) => line.split(/\s{2,}/).slice(1, 3));
    expect(rows).to.deep.equal([['MessageReceived', 'bob/phone'], ['SessionReset', 'laptop']]);
  });
});
