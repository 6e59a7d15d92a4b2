import type pg from 'pg';
import { isTransientFailure } from './pg-errors.js';

/**
 * One write transaction on a pooled connection. The connections are pipelined: BEGIN goes out
 * with the first statement, COMMIT (commitAfter) with the last. A connection found dead before
 * COMMIT was sent (a pooled one the server dropped) wrote nothing, so the work runs once more on
 * a fresh one. Connection trouble comes out as LostWrite, saying whether the COMMIT had been sent.
 * `ended` runs after every transaction that got as far as a connection, committed or rolled back:
 * either way it no longer holds the log's horizon, so readers may find events freed by its end.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (db: pg.PoolClient) => Promise<T>, ended: () => void): Promise<T> {
  try {
    return await once(pool, work, ended);
  } catch (error) {
    if (!(error instanceof LostWrite) || error.committing) throw error;
    return once(pool, work, ended);
  }
}

/** A transaction that failed on connection trouble; `committing` once its COMMIT was sent (outcome unknown). */
export class LostWrite {
  constructor(
    readonly error: unknown,
    readonly committing: boolean,
  ) {}
}

/** the connections whose transaction has sent its COMMIT */
const committing = new WeakSet<pg.PoolClient>();

/** Sends COMMIT right behind `last`, so both take one round trip; resolves with `last`'s result once committed. */
export async function commitAfter<T>(db: pg.PoolClient, last: Promise<T>): Promise<T>;
export async function commitAfter<T>(db: pg.PoolClient, last: Promise<T> | undefined): Promise<T | undefined>;
export async function commitAfter<T>(db: pg.PoolClient, last: Promise<T> | undefined): Promise<T | undefined> {
  committing.add(db);
  const [result] = await Promise.all([last, db.query('COMMIT')]);
  return result;
}

async function once<T>(pool: pg.Pool, work: (db: pg.PoolClient) => Promise<T>, ended: () => void): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw isTransientFailure(error) ? new LostWrite(error, false) : error;
  }
  let broken: unknown;
  // a connection lost mid-transaction fails the statements; the event must not go unhandled
  const lost = (error: unknown) => (broken = error);
  client.on('error', lost);
  try {
    const [, result] = await Promise.all([client.query('BEGIN'), work(client)]);
    return result;
  } catch (error) {
    // after a failed statement COMMIT has already ended the transaction; ROLLBACK then only warns
    await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
    throw isTransientFailure(error) ? new LostWrite(error, committing.has(client)) : error;
  } finally {
    committing.delete(client);
    client.off('error', lost);
    client.release(broken instanceof Error ? broken : undefined);
    ended();
  }
}
