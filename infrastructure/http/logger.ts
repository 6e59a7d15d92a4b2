import type { Logger } from '../../application/ports/logger.js';

/** The ledger's logger shape (createLedger's `logger` option): the service logs through the same one. */
export type { Logger };

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** One JSON object per line: `{ time, level, msg, ...fields }`. */
export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(line), minimum: Level = 'info'): Logger {
  const floor = LEVELS.indexOf(minimum);
  const at = (level: Level) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS.indexOf(level) < floor) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
