import type { EventStore } from '../../application/ports/event-store.js';
import { PgEventStore } from '../../infrastructure/store/postgres/pg-event-store.js';
import { freshPostgresUrl } from '../support/postgres.js';
import { eventStoreContract } from './contract.js';

const urls = new WeakMap<EventStore, string>();

async function openAt(url: string): Promise<PgEventStore> {
  const store = await PgEventStore.connect(url);
  urls.set(store, url);
  return store;
}

describe('PgEventStore', () => {
  eventStoreContract('PgEventStore', async () => openAt(await freshPostgresUrl()), async (store) => {
    const url = urls.get(store);
    if (!url) throw new Error('reopen takes a store opened by this test file');
    await store.close();
    return openAt(url);
  });
});
