/** The ledger clock, ms since epoch; injected so tests are deterministic. */
export type Clock = () => number;
