import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * Wake-ups across processes by LISTEN/NOTIFY. A NOTIFY takes a database-wide lock at commit, so
 * it is never sent from a write transaction: after a commit, `committed()` sends one on its own,
 * and commits that happen while one is on its way share the next. The listener ignores the
 * notifications this store sent itself (it already woke its subscriptions directly).
 */
export class CommitNotifier {
  private readonly origin = randomUUID();
  private sending = false;
  private again = false;
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
    private readonly channel: string,
    private readonly onRemoteCommit: () => void,
  ) {}

  /** Tells other processes that something committed; best effort (their subscriptions also poll). */
  committed(): void {
    if (this.closed) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = true;
    this.again = false;
    this.pool.query('SELECT pg_notify($1, $2)', [this.channel, this.origin]).catch(() => undefined).finally(() => {
      this.sending = false;
      if (this.again) this.committed();
    });
  }

  /** Starts listening (once); a lost listener reconnects after a pause, and polling covers the gap. */
  listen(): void {
    if (this.closed || this.listening) return;
    const client = new pg.Client({ connectionString: this.connectionString });
    this.listener = client;
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      this.listening = undefined;
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
    this.listening = client.connect().then(() => client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`)).then(() => undefined, lost);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.listener;
    this.listener = undefined;
    if (client) await client.end().catch(() => undefined);
  }
}
