import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { endClient } from './pg-client-end.js';

/**
 * Wake-ups across processes by LISTEN/NOTIFY, on one connection of its own. A NOTIFY takes a
 * database-wide lock at commit, so it is never sent from a write transaction: after a commit,
 * `committed()` sends one on its own (without waiting for a disk flush: a lost wake-up is covered
 * by the subscriptions' poll), and commits that happen while one is on its way share the next.
 * The listener ignores the notifications this store sent itself (it woke its subscriptions directly).
 */
export class CommitNotifier {
  private readonly origin = randomUUID();
  private sending = false;
  private again = false;
  private client: pg.Client | undefined;
  private ready = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly channel: string,
    private readonly onRemoteCommit: () => void,
    /** how long connecting, or ending the connection, may take */
    private readonly timeoutMs: number,
  ) {}

  /**
   * Tells other processes that a write transaction ended (committed, or rolled back after it held
   * the horizon); best effort, sent once the connection is back.
   */
  committed(): void {
    const client = this.client;
    if (this.closed) return;
    if (this.sending || !client || !this.ready) {
      this.again = true;
      return;
    }
    this.sending = true;
    this.again = false;
    client.query('SELECT pg_notify($1, $2)', [this.channel, this.origin]).catch(() => undefined).finally(() => {
      this.sending = false;
      if (this.again) this.committed();
    });
  }

  /**
   * Connects and listens; resolves once listening. A lost connection reconnects after a pause;
   * each time it listens again, the subscriptions read what came meanwhile.
   */
  listen(): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: this.timeoutMs, keepAlive: true });
    this.client = client;
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.ready = false;
      client.end().catch(() => undefined);
      if (!this.closed) this.retry = setTimeout(() => this.listen(), 1000);
      // anything committed while nobody listened is found by reading now
      this.onRemoteCommit();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.payload !== this.origin) this.onRemoteCommit();
    });
    const listening = client
      .connect()
      .then(() => client.query(`SET synchronous_commit = off; LISTEN ${client.escapeIdentifier(this.channel)}`))
      .then(() => {
        if (this.client !== client) return;
        this.ready = true;
        this.onRemoteCommit();
        if (this.again) this.committed();
      });
    listening.catch(lost);
    return listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) await endClient(client, this.timeoutMs);
  }
}

/** The NOTIFY channel of a schema's ledger: a name of at most 63 bytes, as PostgreSQL requires. */
export function channelOf(schema: string): string {
  const channel = `session_ledger:${schema}`;
  return Buffer.byteLength(channel) <= 63 ? channel : `session_ledger:${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}
