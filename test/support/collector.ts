import type { RecordedEvent, Subscription } from '../../application/ports/event-store.js';

/** Collects what a subscription delivers, and resolves waits for a number of events. */
export class Collector {
  readonly events: RecordedEvent[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  readonly handler = (batch: readonly RecordedEvent[]): void => {
    this.events.push(...batch);
    this.waiters = this.waiters.filter((waiter) => {
      if (this.events.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  };

  ids(): string[] {
    return this.events.map((e) => e.id);
  }

  until(count: number, subscription: Subscription): Promise<void> {
    if (this.events.length >= count) return Promise.resolve();
    const reached = new Promise<void>((resolve) => this.waiters.push({ count, resolve }));
    const ended = subscription.done.then(() => {
      if (this.events.length < count) throw new Error(`the subscription ended after ${this.events.length} of ${count} events`);
    });
    return Promise.race([reached, ended]);
  }
}
