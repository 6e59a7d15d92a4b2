import type { EventFilter, EventStore, RecordedEvent } from '../../../application/ports/event-store.js';

/**
 * Every event `filter` keeps, read by a catch-up subscription that ends once caught up: for a
 * store whose server filters subscriptions but not reads (EventStoreDB's Node client).
 */
export async function readUntilCaughtUp(store: Pick<EventStore, 'subscribeToAll'>, filter: EventFilter): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  const subscription = store.subscribeToAll({ filter }, (batch) => void events.push(...batch));
  try {
    await Promise.race([subscription.caughtUp, subscription.done]);
  } finally {
    await subscription.close();
  }
  return events;
}
