import * as net from 'node:net';
import type pg from 'pg';
import { PgEventStore, type PgStoreOptions } from '../../infrastructure/store/postgres/pg-event-store.js';
import { positionSql } from '../../infrastructure/store/postgres/pg-schema.js';
import { freshPostgresUrl } from '../support/postgres.js';

/**
 * A TCP proxy in front of the test server, to make the network fail the way it does in production:
 * `down()` cuts every connection and refuses new ones; `blackhole()` keeps connections open but
 * never forwards a byte again (a partition); `cutWhen(match, 'before' | 'after')` cuts the
 * connection whose client sends a packet containing `match`, dropping that packet or forwarding
 * it first; `fatalAfterReady(n)` makes the next n new connections receive, in the very packet that
 * ends its start-up, the FATAL a server shutting down sends, then cuts it.
 */
export interface Proxy {
  readonly url: string;
  down(): void;
  up(): void;
  blackhole(): void;
  cutWhen(match: string, when: 'before' | 'after', then?: 'refuse' | 'accept'): Promise<void>;
  fatalAfterReady(connections?: number): void;
  close(): Promise<void>;
}

/** ReadyForQuery (idle), the message that ends a connection's start-up */
const READY = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);

/** the ErrorResponse a backend sends when the server shuts down (SQLSTATE 57P01) */
const SHUTDOWN_FATAL = (() => {
  const fields = Buffer.from('SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(fields.length + 4);
  return Buffer.concat([Buffer.from('E'), length, fields]);
})();

export async function openProxy(target: URL): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let refusing = false;
  let silent = false;
  let fatalNext = 0;
  let cut: { match: string; when: 'before' | 'after'; then: 'refuse' | 'accept'; done: () => void } | undefined;
  const server = net.createServer((client) => {
    if (refusing) return void client.destroy();
    sockets.add(client);
    if (silent) return;
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    const kill = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', kill);
      socket.on('close', kill);
    }
    client.on('data', (chunk: Buffer) => {
      if (silent) return;
      const trigger = cut;
      if (trigger && chunk.includes(trigger.match)) {
        cut = undefined;
        if (trigger.then === 'refuse') refusing = true;
        const finish = () => {
          kill();
          trigger.done();
        };
        if (trigger.when === 'before') return finish();
        return void upstream.write(chunk, finish);
      }
      upstream.write(chunk);
    });
    let fatal = fatalNext > 0;
    if (fatal) fatalNext--;
    upstream.on('data', (chunk: Buffer) => {
      if (silent) return;
      if (fatal && chunk.includes(READY)) {
        fatal = false;
        return void client.write(Buffer.concat([chunk, SHUTDOWN_FATAL]), kill);
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    url: url.toString(),
    down() {
      refusing = true;
      destroyAll();
    },
    up() {
      refusing = false;
      silent = false;
    },
    fatalAfterReady(connections = 1) {
      fatalNext = connections;
    },
    blackhole() {
      silent = true;
    },
    cutWhen(match, when, then = 'accept') {
      return new Promise<void>((done) => (cut = { match, when, then, done }));
    },
    close: () => new Promise<void>((resolve) => {
      destroyAll();
      server.close(() => resolve());
    }),
  };
}

/** the SQL for the position of the transaction's first event, as the store computes it */
export async function transactionBase(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ origin: string }>('SELECT transaction_id::text AS origin FROM log_origin');
  return positionSql(BigInt(rows[0]!.origin)).transactionBase;
}

/** Resolves once some other session of this database waits for a lock (bounded: 1000 looks). */
export async function waitedOnLock(client: pg.Client): Promise<void> {
  for (let look = 0; look < 1000; look++) {
    const { rows } = await client.query<{ waiting: number }>(
      "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
    );
    if (rows[0]!.waiting > 0) return;
  }
  throw new Error('no session waited for the lock');
}

/**
 * Registers mocha hooks giving each test a fresh schema (`url()`), and closes after each test
 * every store it opened with `open` (on that schema unless `at` names another address).
 */
export function storesPerTest(): { url(): string; open(options?: PgStoreOptions, at?: string): Promise<PgEventStore> } {
  let url = '';
  const opened: PgEventStore[] = [];
  beforeEach(async () => {
    url = await freshPostgresUrl();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });
  return {
    url: () => url,
    async open(options, at = url) {
      const store = await PgEventStore.connect(at, options);
      opened.push(store);
      return store;
    },
  };
}
