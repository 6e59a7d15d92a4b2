/** Where the library reports what it cannot throw to a caller (createLedger's `logger` option). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ignore = (): void => undefined;

/** The default: the library writes nothing anywhere unless given a logger. */
export const SILENT_LOGGER: Logger = Object.freeze({ debug: ignore, info: ignore, warn: ignore, error: ignore });

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

