import { SILENT_LOGGER, type Logger } from '../ports/logger.js';

/**
 * The message streams' default when no logger is given: an error nobody listens for on errors$
 * still surfaces (M2.6), as a Node process warning, which the application can route or silence.
 */
export const WARNING_LOGGER: Logger = Object.freeze({
  debug: SILENT_LOGGER.debug,
  info: SILENT_LOGGER.info,
  warn: (message: string, fields?: Record<string, unknown>) => warn(message, fields),
  error: (message: string, fields?: Record<string, unknown>) => warn(message, fields),
});

function warn(message: string, fields?: Record<string, unknown>): void {
  const error = fields?.['error'];
  process.emitWarning(error instanceof Error ? error : new Error(message));
}
