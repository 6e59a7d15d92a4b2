import { projectionRunnerOf, type Ledger } from '../../application/api/ledger.js';
import { START } from '../../application/ports/event-store.js';
import { applyRecorded } from '../../application/read/event-log.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
import { openStore } from '../../infrastructure/create-ledger.js';
import { withClient } from './postgres.js';
import { allViews } from './read-model-views.js';

/**
 * PostgreSQL read models are loaded account by account before a command or a query reads them; a
 * test that reads the whole reader at once (every account, every device) loads them all first.
 * Other stores need nothing.
 */
export async function loadEveryAccount(ledger: Ledger, storeUrl: string): Promise<void> {
  if (!storeUrl.startsWith('postgres')) return;
  const ids = await withClient(storeUrl, async (client) => (await client.query<{ account: string }>('SELECT account FROM rm_accounts')).rows.map((r) => r.account));
  const release = await projectionRunnerOf(ledger).readModels.use!(ids);
  release();
}

/** The read models of every account in the tables, as a ledger opened now loads them. */
export async function fromTables(ledger: Ledger, url: string): Promise<Record<string, unknown>> {
  await loadEveryAccount(ledger, url);
  return allViews(ledger.reader);
}

/** The read models an in-memory rebuild from position 0 of the store at `url` holds. */
export async function replayed(url: string): Promise<Record<string, unknown>> {
  const store = await openStore(url);
  try {
    const projection = new SessionListProjection();
    for (const e of await store.readAll({ fromPosition: START })) applyRecorded(projection, e);
    return allViews(projection.reader);
  } finally {
    await store.close();
  }
}
