import { PACKAGE_VERSION } from '../version.js';
import { history, rebuild, sessions } from './audit-commands.js';
import { botDemo } from './bot-demo-command.js';
import type { CliCommand } from './command.js';
import { demo } from './demo-command.js';
import { serveCommand } from './serve-command.js';
import { UsageError } from './options.js';

/** Every command, in the order `--help` lists them: add a command by adding its line here. */
const COMMANDS: readonly CliCommand[] = [demo, sessions, history, rebuild, botDemo, serveCommand];

function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(10)}  ${c.summary}`);
  return `session-ledger: the recent-sessions ledger on the command line

usage: session-ledger <command> [options]

commands:
${lines.join('\n')}

Run 'session-ledger <command> --help' for a command's options.
  --version     print the version
  --help        print this help`;
}

const version = (): string => PACKAGE_VERSION;

const wantsHelp = (args: readonly string[]) => args.includes('--help') || args.includes('-h');

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    console.error(usage());
    return 1;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const asked = name === 'help' ? rest[0] : undefined;
    const topic = COMMANDS.find((c) => c.name === asked);
    if (asked !== undefined && !topic) {
      console.error(`no command ${JSON.stringify(asked)} to explain\n\n${usage()}`);
      return 2;
    }
    console.log(topic ? topic.help : usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(version());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    console.log(command.help);
    return 0;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (error) {
    console.error(`session-ledger ${name}: ${errorText(name, error)}`);
    return 1;
  }
}

/** What `session-ledger <name>` prints for an error: its message, and what to change when that is known. */
export function errorText(name: string, error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message.startsWith('Could not locate the bindings file')) {
    // better-sqlite3 without its native module: the dozen paths it tried say nothing to change
    return "better-sqlite3's native module is not built, so the sqlite store cannot open\n(run 'npm rebuild better-sqlite3'; with npm 11, approve its install script first: 'npm install-scripts approve better-sqlite3')";
  }
  // a refused option or argument: point at the help that lists the right ones
  const code = (error as NodeJS.ErrnoException).code;
  if (error instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS_')) return `${error.message}\n(see 'session-ledger ${name} --help')`;
  const hint = code === undefined ? undefined : HINTS[code];
  return hint ? `${error.message}\n(${hint})` : error.message;
}

/** What to change, for errors whose own message says only what went wrong. */
const HINTS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'another program listens on that port: stop it, or pick another with --port <n> or PORT=<n> (0 picks a free one)',
  EADDRNOTAVAIL: 'this machine has no such address: pass --host 127.0.0.1, or --host 0.0.0.0 for every address',
  EACCES: 'permission denied: use a port above 1023, or a --store path this user can write',
  SQLITE_CANTOPEN: "SQLite cannot open that file: check the --store path (its folder must exist and be writable), e.g. --store sqlite:./data/ledger.sqlite",
  SQLITE_READONLY: 'the SQLite store is read-only for this user, and the ledger writes to its store even to read it: copy it somewhere writable',
  SQLITE_NOTADB: 'that file is not a SQLite database: check the --store path',
};
