/**
 * Work that one process does for every process on a store (peer delivery; the projector of an
 * EventStoreDB ledger with read models in a database): each process campaigns for the lease, one
 * holds it, and the others take it over when its holder dies. On PostgreSQL the lease is a session
 * advisory lock, released by the server when the holder's connection ends (a crash included); no
 * lease, timer or broker of the ledger's own.
 */
export interface Lease {
  /** resolves once this process holds the lease; rejects if the campaign was given up (`release`) */
  readonly held: Promise<void>;
  /**
   * resolves once a held lease is lost (its connection ended): the holder must stop the work and
   * may campaign again. Never resolves for a lease given up with `release`.
   */
  readonly lost: Promise<void>;
  /** stops campaigning, or gives the lease up */
  release(): Promise<void>;
}

/** Opens campaigns for leases by name. */
export interface LeaseElector {
  campaign(name: string): Lease;
}

/** A lease given up before it was held. */
export class LeaseReleasedError extends Error {
  override readonly name = 'LeaseReleasedError';
  constructor(lease: string) {
    super(`the campaign for the lease ${JSON.stringify(lease)} was given up`);
  }
}
