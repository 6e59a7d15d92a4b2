import { StoreClosedError } from '../../../application/ports/event-store.js';

interface Startable {
  start(): void;
  fail(error: Error): void;
}

/** The live subscriptions of one store: each started unless the store closed, all ended when it closes. */
export class SubscriptionSet<S extends Startable> {
  private readonly live = new Set<S>();
  private closed = false;

  /** Starts `subscription` and keeps it until `forget`; fails it at once when the store is closed. */
  open(subscription: S): S {
    if (this.closed) {
      subscription.fail(new StoreClosedError());
      return subscription;
    }
    this.live.add(subscription);
    subscription.start();
    return subscription;
  }

  forget(subscription: S): void {
    this.live.delete(subscription);
  }

  each(): S[] {
    return [...this.live];
  }

  /** Ends every subscription with StoreClosedError: their store is gone. */
  close(): void {
    this.closed = true;
    for (const subscription of this.each()) subscription.fail(new StoreClosedError());
    this.live.clear();
  }
}
