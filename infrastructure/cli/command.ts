import { DEFAULT_STORE } from '../create-ledger.js';

/** One command of the `session-ledger` command line; main.ts lists them in a table. */
export interface CliCommand {
  readonly name: string;
  /** one line, at most 56 characters, for the overview of `session-ledger --help` */
  readonly summary: string;
  /** what `session-ledger <name> --help` prints: a `usage:` line, then the options */
  readonly help: string;
  run(args: string[]): Promise<void>;
}

/** The --store option every command takes, in the words of each command's help. */
export const STORE_HELP = `  --store <url>       'memory', 'sqlite:<path>', 'postgres://…' or 'esdb://…'
                      (default: $LEDGER_STORE, else ${DEFAULT_STORE})`;
