import type { BatchHandler, RecordedEvent, SubscribeOptions, Subscription } from '../../../application/ports/event-store.js';
import { CatchUpSubscription, type LogReader } from './subscription.js';
import { SubscriptionSet } from './subscription-set.js';

/** The subscriptions of one in-process store: it hands them each commit and ends them when the store closes. */
export class LiveFeed {
  private readonly subscriptions = new SubscriptionSet<CatchUpSubscription>();

  constructor(private readonly reader: LogReader) {}

  subscribe(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return this.subscriptions.open(new CatchUpSubscription(this.reader, options, handler, (ended) => this.subscriptions.forget(ended)));
  }

  /** Hands committed events to every subscription; caught-up ones with an idle handler run it now. */
  publish(events: readonly RecordedEvent[]): void {
    if (events.length === 0) return;
    for (const subscription of this.subscriptions.each()) subscription.publish(events);
  }

  /** Ends every subscription with StoreClosedError: their store is gone. */
  close(): void {
    this.subscriptions.close();
  }
}
