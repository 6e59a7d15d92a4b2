/** One bad field of a command or query, with the class-validator constraints it broke. */
export interface FieldError {
  /** dotted path, e.g. `message.time` or `roaming[3].to`, as the caller wrote it */
  readonly field: string;
  readonly value: unknown;
  /** constraint name → what to change */
  readonly constraints: Record<string, string>;
}

/** S10.1: bad input; nothing was appended. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(readonly target: string, readonly errors: readonly FieldError[]) {
    super(`${target} is invalid: ${errors.map((e) => Object.values(e.constraints).join('; ')).join('; ')}`);
  }
}

/** S10.4: the stream kept changing underneath the command; it was retried and gave up. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  constructor(readonly streamName: string, readonly attempts: number) {
    super(`stream ${streamName} changed under ${attempts} attempts in a row; try the command again`);
  }
}

/** The domain refused the command (e.g. inserting a session that exists); nothing was appended. */
export class CommandRejectedError extends Error {
  override readonly name = 'CommandRejectedError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** getLocalSessions / getLocalSessionsByMsgType got a lastSessionId that is not in the list. */
export class UnknownSessionCursorError extends Error {
  override readonly name = 'UnknownSessionCursorError';
}

/**
 * S4.2: a device view was closed (`view.close()`): it takes no more commands or reads, so it cannot
 * start a current session that no open view would end. `ledger.account()` gives a new view.
 */
export class ViewClosedError extends Error {
  override readonly name = 'ViewClosedError';
  constructor(readonly account: string, readonly device: string) {
    super(`the view of ${account} on device ${device} is closed: call ledger.account() for a new one`);
  }
}

export class LedgerClosedError extends Error {
  override readonly name = 'LedgerClosedError';
  constructor() {
    super('the ledger is closed: create a new one with createLedger()');
  }
}

/**
 * S10.2: a commandId names one command. Dispatched again with the same commandId (and command
 * type, account and device) but a different body, the command is refused and appends nothing; the
 * same body again is a retry and answers as the first time.
 */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
  constructor(readonly commandId: string, readonly commandType: string) {
    super(`commandId ${JSON.stringify(commandId)} was already used for a different ${commandType}: a retry must repeat the same command; give a new command a new commandId`);
  }
}
