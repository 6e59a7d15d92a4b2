import type { BatchHandler, EventStore, SubscribeOptions, Subscription } from '../../application/ports/event-store.js';

/**
 * A store whose log subscriptions can be held: while `hold()` lasts, every batch waits before its
 * handler runs (as a slow NOTIFY or poll would make it), until `release()`. The rest passes through.
 */
export function holdingSubscriptions(store: EventStore): { store: EventStore; hold(): void; release(): void } {
  let gate: Promise<void> = Promise.resolve();
  let open: (() => void) | undefined;
  const subscribeToAll = (options: SubscribeOptions, handler: BatchHandler): Subscription =>
    store.subscribeToAll(options, async (events) => {
      await gate;
      return handler(events);
    });
  const held = new Proxy(store, {
    get(target, property) {
      if (property === 'subscribeToAll') return subscribeToAll;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    store: held,
    hold: () => {
      if (open) return;
      gate = new Promise((resolve) => (open = resolve));
    },
    release: () => {
      open?.();
      open = undefined;
    },
  };
}
