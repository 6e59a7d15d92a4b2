/** Why a message stream stopped serving messages (M3.5, M2.4, engine close, source end). */
export type StreamCloseReason = 'free' | 'override' | 'close' | 'end';

const CLOSED_BECAUSE: Record<StreamCloseReason, string> = {
  free: 'the message stream was freed: the session handler ended or called free(), so get() has nothing left to read',
  override: 'the message stream was closed because an override session handler took over this id',
  close: 'the message stream was closed because its SessionEngine was closed',
  end: "the message stream ended: the engine's source$ completed and no buffered message is left",
};

/** get() on a stream that is closed, or pending when it closes (M3.5, M2.4). */
export class StreamClosedError extends Error {
  readonly reason: StreamCloseReason;

  constructor(reason: StreamCloseReason) {
    super(CLOSED_BECAUSE[reason]);
    this.name = 'StreamClosedError';
    this.reason = reason;
  }
}

/** A get() whose timeout passed before a matching message arrived (M3.6). */
export class StreamTimeoutError extends Error {
  readonly timeout: number;

  constructor(timeout: number) {
    super(
      `get() found no matching message within ${timeout} ms; raise the timeout option, ` +
        'or catch StreamTimeoutError to handle a user who does not answer',
    );
    this.name = 'StreamTimeoutError';
    this.timeout = timeout;
  }
}

/** A message arrived at a full buffer, so the oldest buffered one was dropped (M3.3). */
export class StreamOverflowError extends Error {
  readonly bufferSize: number;
  /** the message that was dropped */
  readonly dropped: unknown;

  constructor(bufferSize: number, dropped: unknown) {
    super(
      `a message stream held ${bufferSize} unread messages, so the oldest was dropped; ` +
        'read with get() sooner, call stream.waste() while the handler ignores input, or raise bufferSize',
    );
    this.name = 'StreamOverflowError';
    this.bufferSize = bufferSize;
    this.dropped = dropped;
  }
}
