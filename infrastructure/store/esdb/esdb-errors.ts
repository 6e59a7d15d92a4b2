import {
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError as EsdbStreamDeletedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  isCommandError,
} from '@eventstore/db-client';
import {
  StoreUnavailableError,
  StreamDeletedError,
  WrongExpectedVersionError,
  type ExpectedRevision,
} from '../../../application/ports/event-store.js';

/** gRPC status codes that mean "the server could not be reached or did not answer", not "no" */
const CANCELLED = 1;
const UNKNOWN = 2;
const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;
const INTERNAL = 13;
const UNAVAILABLE = 14;
const TRANSPORT_CODES = new Set([CANCELLED, DEADLINE_EXCEEDED, UNAVAILABLE]);

/**
 * Whether an error from the client is about the connection (retry later) rather than an answer.
 * The client converts most gRPC errors into its CommandErrors, but some paths (fetching the
 * server's features on a fresh channel) reject with the raw gRPC ServiceError.
 */
export function isTransportFailure(error: unknown): boolean {
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof CancelledError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError
  ) {
    return true;
  }
  // a connection torn down mid-stream can surface as INTERNAL/UNKNOWN ("Received RST_STREAM …")
  if (error instanceof UnknownError) return [UNKNOWN, INTERNAL, RESOURCE_EXHAUSTED].includes(Number(error.code));
  if (error instanceof Error && isCommandError(error)) return false;
  return typeof error === 'object' && error !== null && TRANSPORT_CODES.has(Number((error as { code?: unknown }).code));
}

/**
 * The port's error for a client error met while working on `stream` with `expected`: conflicts and
 * deletions keep their meaning, connection trouble becomes StoreUnavailableError, the rest passes.
 */
export function translateError(error: unknown, context: { endpoint: string; operation: string; stream?: string; expected?: ExpectedRevision }): unknown {
  if (error instanceof StoreUnavailableError || error instanceof WrongExpectedVersionError || error instanceof StreamDeletedError) {
    return error;
  }
  if (error instanceof EsdbWrongExpectedVersionError && context.stream !== undefined) {
    return new WrongExpectedVersionError(context.stream, context.expected ?? 'any', actualRevision(error.actualVersion));
  }
  if (error instanceof EsdbStreamDeletedError) return new StreamDeletedError(context.stream ?? error.streamName ?? '');
  if (error instanceof MaxAppendSizeExceededError) return appendTooLarge(context.operation, error.maxAppendSize);
  // KurrentDB's MaxAppendEventSize: client 6.x has no class for it and passes on the server's words
  if (error instanceof UnknownError && /Maximum ?Append ?Event ?Size/i.test(error.message)) {
    return new RangeError(`${context.operation} was refused: maximum append event size exceeded (${describe(error)}): the server's MaxAppendEventSize is set lower than the event`);
  }
  if (isTransportFailure(error)) return unavailable(context, describe(error), error);
  return error;
}

/**
 * An append over EventStoreDB's MaxAppendSize (default 1 MiB), refused by the server or before it
 * is sent; `size` is the append's as the server counts it, when known.
 */
export function appendTooLarge(operation: string, maxAppendSize: number, size?: number): RangeError {
  const took = size === undefined ? '' : ` (its events take ${size} bytes as EventStoreDB counts them: data, metadata and twice the type)`;
  return new RangeError(`${operation}: maximum append size exceeded${took}; it exceeds the server's maximum append size of ${maxAppendSize} bytes: split the events into smaller appends`);
}

export function unavailable(context: { endpoint: string; operation: string }, detail: string, cause?: unknown): StoreUnavailableError {
  return new StoreUnavailableError(
    `EventStoreDB at ${context.endpoint} is unavailable while ${context.operation} (${detail}): check that the server is running and reachable, then retry`,
    cause,
  );
}

/**
 * Runs `action` but gives up after `ms`: a client call can otherwise wait forever (BatchAppend and
 * reads run without a gRPC deadline). The abandoned promise is kept from rejecting unhandled.
 */
export async function withDeadline<T>(
  ms: number,
  context: { endpoint: string; operation: string },
  action: () => Promise<T>,
  onTimeout?: () => void,
): Promise<T> {
  const pending = action();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      pending.catch(() => undefined);
      onTimeout?.();
      reject(unavailable(context, `no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([pending, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** the client reports "no stream" as 'no_stream', or as -1 when it read the metadata of an RPC error */
function actualRevision(actual: bigint | 'no_stream' | undefined): bigint | 'no_stream' {
  if (actual === undefined || actual === 'no_stream' || actual < 0n) return 'no_stream';
  return actual;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim() || 'connection failed';
}
