import type { Logger } from '../ports/logger.js';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { StreamCloseReason, StreamOverflowError } from './errors.js';
import { WARNING_LOGGER } from './warning-logger.js';

export interface MessageStreamOptions {
  /** most messages kept while nobody reads (M3.3); default 1000 */
  readonly bufferSize?: number;
  /** runs get() timeouts; tests may pass a virtual-time scheduler */
  readonly scheduler?: SchedulerLike;
  /** told about every dropped-oldest overflow; without it the error is logged */
  readonly onOverflow?: (error: StreamOverflowError) => void;
  /** where an overflow goes without `onOverflow`; default: a Node process warning */
  readonly logger?: Logger;
  /** called once when the stream closes, whatever the reason */
  readonly onClose?: (reason: StreamCloseReason) => void;
}

export const DEFAULT_BUFFER_SIZE = 1000;

export function checkBufferSize(bufferSize: number, where: string): number {
  if (!Number.isSafeInteger(bufferSize) || bufferSize < 1) {
    throw new RangeError(`${where}: bufferSize must be a whole number of messages >= 1, got ${String(bufferSize)}`);
  }
  return bufferSize;
}

/**
 * A stream's checked options. The engine shares one instance between all the streams of a buffer
 * size, so a stream carries one reference instead of five fields and two closures.
 */
export class StreamSettings {
  readonly bufferSize: number;
  readonly scheduler: SchedulerLike;
  readonly onOverflow: ((error: StreamOverflowError) => void) | undefined;
  readonly logger: Logger;
  readonly onClose: ((reason: StreamCloseReason) => void) | undefined;

  constructor(options: MessageStreamOptions = {}, where = 'MessageStream') {
    this.bufferSize = checkBufferSize(options.bufferSize ?? DEFAULT_BUFFER_SIZE, where);
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.onOverflow = options.onOverflow;
    this.logger = options.logger ?? WARNING_LOGGER;
    this.onClose = options.onClose;
  }
}
