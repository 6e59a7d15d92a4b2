import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../cli/run-cli.js';
import { root } from './readme.js';

/** Each `session-ledger <command> …` the README and the changelog show: the command and its --options. */
function documentedCalls(): { file: string; command: string; options: string[] }[] {
  return ['README.md', 'CHANGELOG.md'].flatMap((file) => {
    const text = readFileSync(join(root, file), 'utf8');
    return [...text.matchAll(/session-ledger ([a-z][a-z-]*)((?: +(?:\[?--[a-z-]+[^\s\]`]*\]?|[\w.:/<>-]+))*)/g)]
      .filter((m) => !['needs', 'runs', 'are'].includes(m[1]!)) // prose: "the one session-ledger needs …"
      .map((m) => ({ file, command: m[1]!, options: [...m[2]!.matchAll(/--[a-z-]+/g)].map((o) => o[0]) }));
  });
}

describe('the README and the changelog show only commands and options the command line has', () => {
  it('each documented command exists, and its --help lists every option shown with it', async () => {
    const calls = documentedCalls();
    expect(calls.map((c) => c.command)).to.include.members(['demo', 'sessions', 'history', 'rebuild', 'bot-demo', 'serve']);
    const helps = new Map<string, string>();
    const wrong: string[] = [];
    for (const { file, command, options } of calls) {
      if (!helps.has(command)) {
        const r = await cli([command, '--help']);
        helps.set(command, r.code === 0 ? r.stdout : '');
      }
      const help = helps.get(command)!;
      if (!help) wrong.push(`${file}: session-ledger ${command} is not a command`);
      for (const option of options.filter((o) => o !== '--help')) {
        if (!new RegExp(`^ +${option}\\b`, 'm').test(help)) wrong.push(`${file}: session-ledger ${command} has no ${option}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });
});
