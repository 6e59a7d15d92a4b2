import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LedgerParts } from '../../application/api/ledger.js';
import type { RunnerOptions } from '../../application/read/projection-runner.js';

/** The schemes `readModels` takes. */
const SCHEMES = "'postgres://…', 'postgresql://…' or 'sqlite:<path>'";

/** Checks a `readModels` value without opening anything: a TypeError naming the field and what it takes. */
export function checkReadModelsUrl(url: unknown): asserts url is string {
  if (typeof url !== 'string' || url.length === 0) throw new TypeError(`readModels must be a connection string: ${SCHEMES}`);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return;
  if (url.startsWith('sqlite:')) {
    if (url.length > 'sqlite:'.length) return;
    throw new TypeError(`readModels ${JSON.stringify(url)}: give a file after 'sqlite:', e.g. 'sqlite:./data/read-models.sqlite'`);
  }
  throw new TypeError(`readModels ${JSON.stringify(url)} is not one of ${SCHEMES}`);
}

/**
 * Read models in a database of their own, for an event store that keeps none (EventStoreDB):
 * PostgreSQL tables that one projector at a time fills for every process (the holder of a lease
 * in that database), or tables in a sqlite file that this one process fills, each batch in one
 * transaction with its position. On PostgreSQL, `shared` holds that database's leases and key
 * locks (scoped to its schema): the ledgers sharing the tables share them too, so peer delivery
 * runs in one of them and cross-stream decisions take turns across processes.
 */
export async function openReadModels(url: string, cacheRows: number | undefined): Promise<Pick<RunnerOptions, 'readModels' | 'projector'> & Pick<LedgerParts, 'shared'>> {
  checkReadModelsUrl(url);
  const options = cacheRows === undefined ? {} : { cacheRows };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const { SqliteFileReadModels } = await import('./sqlite-file-read-models.js');
    return { readModels: SqliteFileReadModels.open(path, options) };
  }
  const [{ PgReadModelDb }, { PgProjectedReadModels }] = await Promise.all([import('./pg-read-model-db.js'), import('./pg-projected-read-models.js')]);
  const db = await PgReadModelDb.connect(url);
  const models = new PgProjectedReadModels(db, options);
  return { readModels: models, projector: models, shared: { leases: db.leases, locks: db.locks } };
}
