import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { randomUUID } from 'node:crypto';
import { createLedger, openStore } from '../../infrastructure/create-ledger.js';
import { Ledger } from '../../application/api/ledger.js';
import { NamespacedEventStore } from './namespaced-store.js';
import { startTestServer, type TestServer } from '../esdb-server/server.js';
import { freshPostgresUrl } from './postgres.js';

export type StoreKind = 'memory' | 'sqlite' | 'esdb' | 'esdb-url' | 'postgres' | 'esdb+postgres' | 'esdb+sqlite';
/**
 * esdb runs against the wire-compatible test server (test/esdb-server), a fresh one per fixture;
 * esdb-url against the real EventStoreDB named by ESDB_URL, each fixture under its own stream prefix;
 * postgres against the test PostgreSQL (test/support/postgres.ts), each fixture in its own schema;
 * esdb+postgres and esdb+sqlite against the test server with `readModels` in a schema of the test
 * PostgreSQL (a projector) or in a sqlite file.
 */
export const STORE_KINDS: StoreKind[] = ['memory', 'sqlite', 'esdb', 'esdb-url', 'postgres', 'esdb+postgres', 'esdb+sqlite'];
const ESDB_URL = process.env['ESDB_URL'];

export interface Fixture {
  ledger: Ledger;
  /** the ledger clock: set `now` to move time */
  clock: { now: number };
  /** the store URL the fixture's ledgers open (not for esdb-url, which namespaces its streams) */
  storeUrl: string;
  /** the `readModels` the fixture's ledgers open (esdb+postgres, esdb+sqlite) */
  readModelsUrl: string | undefined;
  /** the EventStoreDB test server behind an esdb fixture */
  server: TestServer | undefined;
  /** closes the ledger and opens a new one on the same store (sqlite: same file) */
  reopen(): Promise<Ledger>;
  close(): Promise<void>;
}

export async function openFixture(kind: StoreKind, start = 1_000_000): Promise<Fixture> {
  const clock = { now: start };
  const dir = kind === 'sqlite' || kind === 'esdb+sqlite' ? mkdtempSync(join(tmpdir(), 'ledger-test-')) : undefined;
  const server = kind.startsWith('esdb') && kind !== 'esdb-url' ? await startTestServer() : undefined;
  const store = server ? server.url : dir ? `sqlite:${join(dir, 'ledger.sqlite')}` : kind === 'postgres' ? await freshPostgresUrl() : 'memory';
  const readModels = kind === 'esdb+postgres' ? await freshPostgresUrl() : kind === 'esdb+sqlite' ? `sqlite:${join(dir!, 'read-models.sqlite')}` : undefined;
  const namespace = `t${randomUUID().slice(0, 8)}-`;
  const open = kind === 'esdb-url'
    ? async () => Ledger.open({ store: new NamespacedEventStore(await openStore(ESDB_URL!), namespace), clock: () => clock.now })
    : () => createLedger({ store, clock: () => clock.now, ...(readModels && { readModels }) });
  const fixture: Fixture = {
    ledger: await open(),
    clock,
    async reopen() {
      if (kind === 'memory') throw new Error('a memory store does not survive close');
      if (kind === 'esdb-url') throw new Error('reopen is not wired for ESDB_URL fixtures');
      await fixture.ledger.close();
      fixture.ledger = await open();
      return fixture.ledger;
    },
    server,
    storeUrl: store,
    readModelsUrl: readModels,
    async close() {
      await fixture.ledger.close();
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Runs `body` once per store kind, with a fresh fixture per test. */
export function onEachStore(title: string, body: (ctx: { fx: () => Fixture; kind: StoreKind }) => void): void {
  for (const kind of STORE_KINDS) {
    describe(`${title} [${kind}]`, () => {
      let fixture: Fixture | undefined;
      if (kind === 'esdb-url') {
        before(function () {
          if (ESDB_URL) return;
          console.log('      skipped: set ESDB_URL (e.g. esdb://127.0.0.1:2113?tls=false) to run these rules against a real EventStoreDB');
          this.skip();
        });
      }
      beforeEach(async () => {
        fixture = await openFixture(kind);
      });
      afterEach(async () => {
        await fixture?.close();
        fixture = undefined;
      });
      body({ fx: () => fixture!, kind });
    });
  }
}

/** Everything an Observable emits from now on, until `stop()`. */
export function record<T>(source: Observable<T>): { values: T[]; stop(): void } {
  const values: T[] = [];
  const sub = source.subscribe((v) => values.push(v));
  return { values, stop: () => sub.unsubscribe() };
}
