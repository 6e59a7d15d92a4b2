import { projectionRunnerOf, type Ledger } from '../../application/api/ledger.js';
import { withClient } from './postgres.js';

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
