/** Who asked, when, and why: stamped on every event a command appends (S10.2). */
export interface CommandMeta {
  readonly commandId: string;
  readonly commandType: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly account: string;
  readonly device: string;
  /** the ledger clock when the command was dispatched */
  readonly at: number;
  /** a digest of the command's data, when the caller gave its commandId (a reuse with another body is refused) */
  readonly commandBody?: string;
}

export interface DispatchOptions {
  /** give the same id to retry a command safely; default: a new UUID */
  readonly commandId?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
}
