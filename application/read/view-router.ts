import type { Subscription } from 'rxjs';
import type { CommandChange } from './event-log.js';
import type { ProjectionRunner } from './projection-runner.js';

type Listener = (changes: readonly CommandChange[]) => void;

/**
 * Hands each applied batch's changes to the device views they concern, in O(changes): listeners
 * by account, then device (no key built per change); a batch of one change (most commands) goes
 * as it is, with no list built for it.
 */
export class ViewChangeRouter {
  private readonly listeners = new Map<string, Map<string, Set<Listener>>>();
  private readonly subscription: Subscription;

  constructor(runner: ProjectionRunner) {
    this.subscription = runner.applied$.subscribe(({ changes }) => this.route(changes));
  }

  private route(changes: readonly CommandChange[]): void {
    if (changes.length === 1) {
      const only = this.listeners.get(changes[0]!.account)?.get(changes[0]!.device);
      if (only) for (const listener of only) listener(changes);
      return;
    }
    const byView = new Map<Set<Listener>, CommandChange[]>();
    for (const change of changes) {
      const set = this.listeners.get(change.account)?.get(change.device);
      if (!set) continue;
      let list = byView.get(set);
      if (!list) byView.set(set, (list = []));
      list.push(change);
    }
    for (const [set, list] of byView) for (const listener of set) listener(list);
  }

  /** Returns the function that stops delivery. */
  listen(account: string, device: string, listener: Listener): () => void {
    let devices = this.listeners.get(account);
    if (!devices) this.listeners.set(account, (devices = new Map()));
    let set = devices.get(device);
    if (!set) devices.set(device, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size > 0 || devices!.get(device) !== set) return;
      devices!.delete(device);
      if (devices!.size === 0 && this.listeners.get(account) === devices) this.listeners.delete(account);
    };
  }

  close(): void {
    this.subscription.unsubscribe();
    this.listeners.clear();
  }
}
