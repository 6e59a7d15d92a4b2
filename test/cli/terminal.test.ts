import { expect } from 'chai';
import { table, terminalWidth, timesOf, truncate } from '../../infrastructure/cli/terminal.js';

describe('command-line tables', () => {
  const headers = ['id', 'count', 'text', 'note'];
  const rows = [['p2p-a', '1', 'a'.repeat(60), ''], ['p2p-b', '22', 'short', '']];

  it('leave out a column that is empty in every row', () => {
    expect(table(headers, rows, { width: 200 }).split('\n')[0]).to.equal(`id     count  text${' '.repeat(56)}`.trimEnd());
  });

  it('shorten the widest column until the table fits the width, ending its cells in "…"', () => {
    const lines = table(headers, rows, { width: 40 }).split('\n');
    expect(lines.map((l) => l.length)).to.deep.equal([18, 40, 40, 19]);
    expect(lines[2]).to.equal(`p2p-a  1      ${'a'.repeat(25)}…`);
    expect(lines[3]).to.equal('p2p-b  22     short');
  });

  it('never shorten a rigid column, nor any below six characters', () => {
    const lines = table(['when', 'what'], [['2026-12-01 09:45:25.141', 'x'.repeat(40)]], { width: 30, rigid: [0] }).split('\n');
    expect(lines[2]).to.equal('2026-12-01 09:45:25.141  xxxxx…');
  });

  it('say the day once when every time falls on it', () => {
    const same = timesOf([Date.UTC(2026, 11, 1, 9, 45, 25, 141), undefined, Date.UTC(2026, 11, 1, 23, 0)]);
    expect([same.day, same.format(Date.UTC(2026, 11, 1, 9, 45, 25, 141)), same.format(undefined)]).to.deep.equal(['2026-12-01', '09:45:25.141', '']);
    const two = timesOf([Date.UTC(2026, 11, 1), Date.UTC(2026, 11, 2)]);
    expect([two.day, two.format(Date.UTC(2026, 11, 2))]).to.deep.equal([undefined, '2026-12-02 00:00:00.000']);
    expect(truncate('abcdef', 4)).to.equal('abc…');
  });
});

describe('the width command-line tables fit', () => {
  it('is the terminal\'s columns on a terminal, else 80', () => {
    const stream = (fields: object) => fields as NodeJS.WriteStream;
    expect(terminalWidth(stream({ isTTY: true, columns: 132 }))).to.equal(132);
    expect(terminalWidth(stream({ isTTY: false, columns: 132 }))).to.equal(80);
    expect(terminalWidth(stream({ isTTY: undefined }))).to.equal(80);
  });
});

describe('command-line error text', () => {
  it('better-sqlite3 without its native module: what to run, not the paths it tried', async () => {
    const { errorText } = await import('../../infrastructure/cli/main.js');
    const error = new Error('Could not locate the bindings file. Tried:\n → /p/node_modules/better-sqlite3/build/better_sqlite3.node');
    expect(errorText('demo', error)).to.equal("better-sqlite3's native module is not built, so the sqlite store cannot open\n(run 'npm rebuild better-sqlite3'; with npm 11, approve its install script first: 'npm install-scripts approve better-sqlite3')");
  });

  it('a system error with a known code gets its hint; others print as they are', async () => {
    const { errorText } = await import('../../infrastructure/cli/main.js');
    const busy = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), { code: 'EADDRINUSE' });
    expect(errorText('serve', busy)).to.match(/^listen EADDRINUSE: address already in use 127\.0\.0\.1:8080\n\(another program listens on that port: stop it, or pick another with --port <n>/);
    expect(errorText('serve', Object.assign(new Error('x'), { code: 'EOTHER' }))).to.equal('x');
  });
});
