import pg from 'pg';
import type { KeyLocks } from '../../../application/ports/key-locks.js';
import { translatePgError } from './pg-errors.js';

/** connections that may hold locks at once: turns on that many keys run side by side */
const LOCK_CONNECTIONS = 8;

/**
 * KeyLocks as PostgreSQL session advisory locks on a small pool of its own: a holder keeps its
 * connection while its work appends through the store's pool, so the two never wait for each
 * other. Keys are taken in sorted order (no two processes wait on each other in a cycle) and
 * freed with pg_advisory_unlock_all; a connection that could not free them is dropped, which ends
 * its session and frees them in the server. Locks are database-wide, so the key names the schema.
 * Not fenced: a holder whose lock connection is cut mid-work (a partition) finishes its work
 * while the server may already have given the lock to another process.
 */
export class PgKeyLocks implements KeyLocks {
  private readonly pool: pg.Pool;

  constructor(connectionString: string, private readonly scope: string, private readonly endpoint: string, timeoutMs: number) {
    this.pool = new pg.Pool({ connectionString, max: LOCK_CONNECTIONS, connectionTimeoutMillis: timeoutMs, keepAlive: true });
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  async hold<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const operation = `taking the lock of ${sorted.join(', ')}`;
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translatePgError(error, { endpoint: this.endpoint, operation });
    }
    let freed = false;
    try {
      for (const key of sorted) await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`session-ledger-lock:${this.scope}:${key}`]);
    } catch (error) {
      client.release(true);
      throw translatePgError(error, { endpoint: this.endpoint, operation });
    }
    try {
      return await work();
    } finally {
      freed = await client.query('SELECT pg_advisory_unlock_all()').then(() => true, () => false);
      client.release(!freed);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
