import type { Subscription } from 'rxjs';
import type { CommandChange } from './event-log.js';
import type { ProjectionRunner } from './projection-runner.js';

type Listener = (changes: readonly CommandChange[]) => void;

/** Hands each applied batch's changes to the device views they concern, in O(changes). */
export class ViewChangeRouter {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly subscription: Subscription;

  constructor(runner: ProjectionRunner) {
    this.subscription = runner.applied$.subscribe(({ changes }) => this.route(changes));
  }

  private route(changes: readonly CommandChange[]): void {
    const byView = new Map<string, CommandChange[]>();
    for (const change of changes) {
      const key = keyOf(change.account, change.device);
      if (!this.listeners.has(key)) continue;
      let list = byView.get(key);
      if (!list) byView.set(key, (list = []));
      list.push(change);
    }
    for (const [key, list] of byView) for (const listener of this.listeners.get(key) ?? []) listener(list);
  }

  /** Returns the function that stops delivery. */
  listen(account: string, device: string, listener: Listener): () => void {
    const key = keyOf(account, device);
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  close(): void {
    this.subscription.unsubscribe();
    this.listeners.clear();
  }
}

function keyOf(account: string, device: string): string {
  return JSON.stringify([account, device]);
}
