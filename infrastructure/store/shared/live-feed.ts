import { StoreClosedError, type BatchHandler, type RecordedEvent, type SubscribeOptions, type Subscription } from '../../../application/ports/event-store.js';
import { CatchUpSubscription, type LogReader } from './subscription.js';

/** The subscriptions of one in-process store: it hands them each commit and ends them when the store closes. */
export class LiveFeed {
  private readonly subscriptions = new Set<CatchUpSubscription>();
  private closed = false;

  constructor(private readonly reader: LogReader) {}

  subscribe(options: SubscribeOptions, handler: BatchHandler): Subscription {
    const subscription = new CatchUpSubscription(this.reader, options, handler, (ended) => this.subscriptions.delete(ended));
    if (this.closed) {
      subscription.fail(new StoreClosedError());
      return subscription;
    }
    this.subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  /** Hands committed events to every subscription; caught-up ones with an idle handler run it now. */
  publish(events: readonly RecordedEvent[]): void {
    if (events.length === 0) return;
    for (const subscription of [...this.subscriptions]) subscription.publish(events);
  }

  /** Ends every subscription with StoreClosedError: their store is gone. */
  close(): void {
    this.closed = true;
    for (const subscription of [...this.subscriptions]) subscription.fail(new StoreClosedError());
  }
}
