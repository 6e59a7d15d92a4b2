import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../../application/ports/event-store.js';
import { openStore } from '../../infrastructure/create-ledger.js';
import { startTestServer, type TestServer } from '../esdb-server/server.js';
import { freshPostgresUrl } from './postgres.js';

export type RawStoreKind = 'memory' | 'sqlite' | 'esdb' | 'postgres';
export const RAW_STORE_KINDS: readonly RawStoreKind[] = ['memory', 'sqlite', 'esdb', 'postgres'];

/** One store of a kind, as createLedger opens it (upcasting included), with what it needs cleaned up. */
export interface OpenedStore {
  readonly store: EventStore;
  readonly url: string;
  /** the EventStoreDB test server behind an esdb store */
  readonly server: TestServer | undefined;
  close(): Promise<void>;
}

export async function openRawStore(kind: RawStoreKind): Promise<OpenedStore> {
  const dir = kind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'ledger-store-')) : undefined;
  const server = kind === 'esdb' ? await startTestServer() : undefined;
  const url = dir ? `sqlite:${join(dir, 'ledger.sqlite')}` : server ? server.url : kind === 'postgres' ? await freshPostgresUrl() : 'memory';
  const store = await openStore(url);
  return {
    store, url, server,
    async close() {
      await store.close();
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `body` once per store kind (memory, sqlite, the esdb test server, postgres), a fresh store per test. */
export function onEachRawStore(title: string, body: (ctx: { opened: () => OpenedStore; kind: RawStoreKind }) => void): void {
  for (const kind of RAW_STORE_KINDS) {
    describe(`${title} [${kind}]`, () => {
      let opened: OpenedStore | undefined;
      beforeEach(async () => { opened = await openRawStore(kind); });
      afterEach(async () => {
        await opened?.close();
        opened = undefined;
      });
      body({ opened: () => opened!, kind });
    });
  }
}
