import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Ledger } from '../application/api/ledger.js';
import type { Clock } from '../application/ports/clock.js';
import type { EventStore } from '../application/ports/event-store.js';
import type { Logger } from '../application/ports/logger.js';
import { UpcastingEventStore } from './upcasting/upcasting-store.js';

export interface CreateLedgerOptions {
  /**
   * 'memory', 'sqlite:<path>' (default 'sqlite:./data/ledger.sqlite', or $LEDGER_STORE), or an
   * EventStoreDB connection string ('esdb://…', 'esdb+discover://…'), or a PostgreSQL one
   * ('postgres://…', 'postgresql://…').
   */
  readonly store?: string;
  /** the ledger clock in ms; default Date.now */
  readonly clock?: Clock;
  /** write a read-model snapshot every this many events (default 20000) */
  readonly snapshotEvery?: number;
  /** where the ledger reports what it cannot throw to a caller (a callback that threw, a snapshot it could not save); default: nowhere, the library writes nothing to the console */
  readonly logger?: Logger;
}

export const DEFAULT_STORE = 'sqlite:./data/ledger.sqlite';

/**
 * The event store a URL names, reading every event in today's schema (older ones upcast), so the
 * ledger, the service and the command line's rebuild all see the same shapes.
 */
export async function openStore(url: string): Promise<EventStore> {
  return new UpcastingEventStore(await openAdapter(url));
}

async function openAdapter(url: string): Promise<EventStore> {
  if (url === 'memory') {
    const { MemoryEventStore } = await import('./store/memory/memory-store.js');
    return new MemoryEventStore();
  }
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (!path) throw new TypeError(`store ${JSON.stringify(url)}: give a file after 'sqlite:', e.g. 'sqlite:./data/ledger.sqlite' or 'sqlite::memory:'`);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const { SqliteEventStore } = await import('./store/sqlite/sqlite-store.js');
    return SqliteEventStore.open(path);
  }
  if (url.startsWith('esdb://') || url.startsWith('esdb+discover://')) {
    const { EsdbEventStore } = await import('./store/esdb/esdb-store.js');
    return EsdbEventStore.connect(url);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { PgEventStore } = await import('./store/postgres/pg-event-store.js');
    return PgEventStore.connect(url);
  }
  throw new TypeError(`store ${JSON.stringify(url)} is not one of 'memory', 'sqlite:<path>', 'esdb://…', 'esdb+discover://…', 'postgres://…'`);
}

/** The composition root: a ledger on the chosen store, its read models caught up. */
export async function createLedger(options: CreateLedgerOptions = {}): Promise<Ledger> {
  const url = options.store ?? process.env['LEDGER_STORE'] ?? DEFAULT_STORE;
  const store = await openStore(url);
  try {
    return await Ledger.open({
      store,
      clock: options.clock ?? Date.now,
      runner: { ...(options.snapshotEvery !== undefined && { snapshotEvery: options.snapshotEvery }) },
      ...(options.logger !== undefined && { logger: options.logger }),
    });
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
