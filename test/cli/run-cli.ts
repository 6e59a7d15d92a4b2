import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The checkout's `session-ledger` command. */
export const bin = fileURLToPath(new URL('../../../bin/session-ledger.js', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the command line to its end, its output piped (not a terminal). `env` entries replace the
 * parent's (undefined removes one); `as` runs it as another user through runuser (root only).
 */
export function cli(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; as?: string; script?: string } = {}): Promise<CliRun> {
  const env = { ...process.env };
  delete env['LEDGER_STORE'];
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const node = [process.execPath, options.script ?? bin, ...args];
  const [command, ...rest] = options.as ? ['runuser', '-u', options.as, '--', ...node] : node;
  return new Promise((resolve, reject) => {
    const child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'pipe'], env, ...(options.cwd && { cwd: options.cwd }) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
