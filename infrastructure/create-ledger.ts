import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Ledger } from '../application/api/ledger.js';
import type { Clock } from '../application/ports/clock.js';
import type { EventStore } from '../application/ports/event-store.js';
import type { LedgerParts } from '../application/api/ledger.js';
import type { Logger } from '../application/ports/logger.js';
import type { RunnerOptions } from '../application/read/projection-runner.js';
import { UpcastingEventStore } from './upcasting/upcasting-store.js';
import { checkReadModelsUrl, openReadModels } from './readmodels/separate-read-models.js';

export interface CreateLedgerOptions {
  /**
   * 'memory', 'sqlite:<path>' (default 'sqlite:./data/ledger.sqlite', or $LEDGER_STORE), or an
   * EventStoreDB connection string ('esdb://…', 'esdb+discover://…'), or a PostgreSQL one
   * ('postgres://…', 'postgresql://…').
   */
  readonly store?: string;
  /**
   * EventStoreDB stores only: where the read models live instead of in each process.
   * 'postgres://…' (or 'postgresql://…'): tables in that database (its search_path's schema),
   * shared by every ledger process on the store; one of them at a time, the holder of an advisory
   * lock there, projects the log into them, and another takes over when it dies.
   * 'sqlite:<path>': tables in a file of their own, for one process.
   */
  readonly readModels?: string;
  /** the ledger clock in ms; default Date.now */
  readonly clock?: Clock;
  /** read models kept in process (no store takes them so today): write a read-model snapshot every this many events (default 20000) */
  readonly snapshotEvery?: number;
  /** sqlite and PostgreSQL: rows of read models (sessions, and a view of each per device) a process keeps in memory; default 200000 */
  readonly readModelCache?: number;
  /** where the ledger reports what it cannot throw to a caller (a callback that threw, a snapshot it could not save); default: nowhere, the library writes nothing to the console */
  readonly logger?: Logger;
}

export const DEFAULT_STORE = 'sqlite:./data/ledger.sqlite';
const DEFAULT_SNAPSHOT_EVERY = 20_000;

/** How a store opened by URL keeps its read models. */
interface ReadModelPlan {
  /** read-model tables in the store's own database */
  readonly tables?: (cacheRows: number | undefined) => RunnerOptions['readModels'];
  /** in process, with a snapshot the store can take at any size */
  readonly snapshots: boolean;
  /** a store many processes share (PostgreSQL): its leases and locks */
  readonly shared?: LedgerParts['shared'];
}

const PLANS = new WeakMap<EventStore, ReadModelPlan>();

/**
 * The event store a URL names, reading every event in today's schema (older ones upcast), so the
 * ledger, the service and the command line's rebuild all see the same shapes.
 */
export async function openStore(url: string): Promise<EventStore> {
  const { store, plan } = await openAdapter(url);
  const upcasting = new UpcastingEventStore(store);
  PLANS.set(upcasting, plan);
  return upcasting;
}

/**
 * Where the read models of a ledger on `store` (from `openStore`) live: tables in the sqlite file,
 * or in the PostgreSQL database (shared by every process on it); in process for EventStoreDB and
 * memory (folded from the log at open).
 */
export function readModelOptions(store: EventStore, options: Pick<CreateLedgerOptions, 'snapshotEvery' | 'readModelCache'> = {}): RunnerOptions {
  const plan = PLANS.get(store);
  if (plan?.tables) return { readModels: plan.tables(options.readModelCache) };
  if (plan?.snapshots) return { snapshotEvery: options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY };
  return {};
}

/** What ledgers sharing `store` (from `openStore`) with other processes need: PostgreSQL's leases and locks. */
export function sharedParts(store: EventStore): Pick<LedgerParts, 'shared'> {
  const shared = PLANS.get(store)?.shared;
  return shared ? { shared } : {};
}

async function openAdapter(url: string): Promise<{ store: EventStore; plan: ReadModelPlan }> {
  if (url === 'memory') {
    const { MemoryEventStore } = await import('./store/memory/memory-store.js');
    return { store: new MemoryEventStore(), plan: { snapshots: false } };
  }
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (!path) throw new TypeError(`store ${JSON.stringify(url)}: give a file after 'sqlite:', e.g. 'sqlite:./data/ledger.sqlite' or 'sqlite::memory:'`);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const [{ SqliteEventStore }, { SqliteReadModels }] = await Promise.all([import('./store/sqlite/sqlite-store.js'), import('./readmodels/sqlite-read-models.js')]);
    const store = SqliteEventStore.open(path);
    const tables = (cacheRows: number | undefined) => new SqliteReadModels(store, cacheRows === undefined ? {} : { cacheRows });
    return { store, plan: { tables, snapshots: false } };
  }
  if (url.startsWith('esdb://') || url.startsWith('esdb+discover://')) {
    const { EsdbEventStore } = await import('./store/esdb/esdb-store.js');
    return { store: await EsdbEventStore.connect(url), plan: { snapshots: false } };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const [{ PgEventStore }, { PgReadModels }] = await Promise.all([import('./store/postgres/pg-event-store.js'), import('./readmodels/pg-read-models.js')]);
    const store = await PgEventStore.connect(url);
    const tables = (cacheRows: number | undefined) => new PgReadModels(store, cacheRows === undefined ? {} : { cacheRows });
    return { store, plan: { tables, snapshots: false, shared: { leases: store.leases, locks: store.locks } } };
  }
  throw new TypeError(`store ${JSON.stringify(url)} is not one of 'memory', 'sqlite:<path>', 'esdb://…', 'esdb+discover://…', 'postgres://…'`);
}

/**
 * Where a ledger on `store` (from `openStore`) keeps its read models, and what it shares with the
 * other processes on the store: its own tables (sqlite, PostgreSQL) or the process (memory,
 * EventStoreDB), or the database `readModels` names, whose leases and key locks (PostgreSQL) then
 * come with it.
 */
export async function readModelWiring(
  store: EventStore,
  options: Pick<CreateLedgerOptions, 'readModels' | 'readModelCache' | 'snapshotEvery'> = {},
): Promise<{ runner: RunnerOptions } & Pick<LedgerParts, 'shared'>> {
  if (options.readModels === undefined) return { runner: readModelOptions(store, options), ...sharedParts(store) };
  const { shared, ...runner } = await openReadModels(options.readModels, options.readModelCache);
  return { runner, ...(shared ? { shared } : sharedParts(store)) };
}

/** The composition root: a ledger on the chosen store, its read models caught up. */
export async function createLedger(options: CreateLedgerOptions = {}): Promise<Ledger> {
  const url = options.store ?? process.env['LEDGER_STORE'] ?? DEFAULT_STORE;
  if (options.readModels !== undefined) checkReadModelsFor(url, options.readModels);
  const store = await openStore(url);
  return openLedgerOn(store, store, options);
}

/**
 * A ledger on `store`: `opened` as `openStore` returned it (`store` itself, or a wrapper of it such
 * as the service's traced store), whose URL decides where the read models live. If the ledger
 * cannot open, the read models' database and the store are let go.
 */
export async function openLedgerOn(store: EventStore, opened: EventStore, options: Omit<CreateLedgerOptions, 'store'> = {}): Promise<Ledger> {
  let runner: RunnerOptions | undefined;
  try {
    const wiring = await readModelWiring(opened, options);
    runner = wiring.runner;
    return await Ledger.open({
      store,
      clock: options.clock ?? Date.now,
      ...wiring,
      ...(options.logger !== undefined && { logger: options.logger }),
    });
  } catch (error) {
    await runner?.readModels?.release?.().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** `readModels` names a database for an EventStoreDB store's read models; the other stores keep theirs themselves. */
export function checkReadModelsFor(store: string, readModels: unknown): void {
  checkReadModelsUrl(readModels);
  if (store.startsWith('esdb://') || store.startsWith('esdb+discover://')) return;
  throw new TypeError(`readModels ${JSON.stringify(readModels)} is for an EventStoreDB store ('esdb://…'); store ${JSON.stringify(store)} keeps its read models itself (sqlite and PostgreSQL in their own tables, memory in process): leave readModels out`);
}
