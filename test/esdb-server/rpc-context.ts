import type { EsdbData } from './esdb-data.js';

/** What every RPC family of the test server shares: the data, the limits, and the stop signal. */
export interface RpcContext {
  readonly data: EsdbData;
  /** EventStoreDB's default maximum append size is 1 MiB */
  readonly maxAppendSize: number;
  /** its MaxAppendEventSize (24.10 on): no limit by default */
  readonly maxAppendEventSize: number;
  /** appends refused for their size, for tests and benches */
  readonly refused: { appends: number };
  /** each running call registers how to abort itself when the server stops */
  readonly stopHandlers: Set<() => void>;
  /** recorded events sent to clients by every read and subscription (a cost measure for tests) */
  readonly sent: { events: number };
}
