import pg from 'pg';
import { endClient } from './pg-client-end.js';
import { LeaseReleasedError, type Lease, type LeaseElector } from '../../../application/ports/lease.js';

/** how long a lost connection waits before campaigning again */
const RECONNECT_MS = 500;

/**
 * Leases as PostgreSQL session advisory locks, each on a connection of its own: `pg_advisory_lock`
 * waits in the server until the lock is free, so the process that waits longest takes the lease
 * over the moment its holder's connection ends (a SIGKILL closes the socket; the server ends that
 * session and frees its locks). Locks are database-wide, so the key names the schema too.
 */
export class PgLeaseElector implements LeaseElector {
  constructor(
    private readonly connectionString: string,
    /** what makes the keys of this ledger's leases its own in the database (its schema) */
    private readonly scope: string,
    private readonly timeoutMs: number,
  ) {}

  campaign(name: string): Lease {
    return new PgLease(this.connectionString, this.keyOf(name), name, this.timeoutMs);
  }

  /** the advisory lock key of the lease `name` (hashed with hashtextextended(key, 0)), for a transaction that takes it shared */
  keyOf(name: string): string {
    return `session-ledger-lease:${this.scope}:${name}`;
  }
}

class PgLease implements Lease {
  readonly held: Promise<void>;
  readonly lost: Promise<void>;
  private client: pg.Client | undefined;
  private holding = false;
  private released = false;
  private retry: NodeJS.Timeout | undefined;
  private resolveHeld!: () => void;
  private rejectHeld!: (error: Error) => void;
  private resolveLost!: () => void;

  constructor(private readonly url: string, private readonly key: string, private readonly name: string, private readonly timeoutMs: number) {
    this.held = new Promise((resolve, reject) => {
      this.resolveHeld = resolve;
      this.rejectHeld = reject;
    });
    this.held.catch(() => undefined);
    this.lost = new Promise((resolve) => (this.resolveLost = resolve));
    this.connect();
  }

  /** Connects and waits in the server for the lock; a connection lost before that tries again. */
  private connect(): void {
    if (this.released) return;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: this.timeoutMs, keepAlive: true });
    this.client = client;
    let ended = false;
    const end = () => {
      if (ended || this.client !== client) return;
      ended = true;
      this.client = undefined;
      client.end().catch(() => undefined);
      if (this.released) return;
      if (this.holding) {
        this.holding = false;
        this.resolveLost();
        return;
      }
      this.retry = setTimeout(() => this.connect(), RECONNECT_MS);
    };
    client.on('error', end);
    client.on('end', end);
    client
      .connect()
      .then(() => client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [this.key]))
      .then(() => {
        if (this.client !== client || this.released) return;
        this.holding = true;
        this.resolveHeld();
      })
      .catch(end);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.retry);
    if (!this.holding) this.rejectHeld(new LeaseReleasedError(this.name));
    this.holding = false;
    const client = this.client;
    this.client = undefined;
    // ending the session frees the lock
    if (client) await endClient(client, this.timeoutMs);
  }
}
