import type { AccountModel } from '../../projections/session-list/model.js';
import type { AccountModels } from '../../projections/session-list/read-model-store.js';

/** Where the cache loads accounts from. */
export interface AccountSource {
  /** the account's models from its rows; undefined when it has none */
  load(id: string): AccountModel | undefined;
  ids(): string[];
}

/** What an account costs in memory, in rows: its sessions, and a view of each on each device. */
export function weightOf(account: AccountModel): number {
  return 1 + account.sessions.size * (1 + account.devices.size);
}

/**
 * A bounded cache of accounts' models, least recently used first (a Map keeps insertion order, and
 * every hit moves its account to the end). An account is loaded whole on a miss. Accounts a batch
 * folds are held until the batch is saved; only saved accounts are let go, so the cache may pass
 * its budget while a batch is open, never after it is saved.
 */
export class AccountCache extends Map<string, AccountModel> implements AccountModels {
  private readonly weights = new Map<string, number>();
  private total = 0;
  private holding = false;

  constructor(private readonly source: AccountSource, private readonly budget: number) {
    super();
  }

  /** rows held in memory now */
  get rows(): number {
    return this.total;
  }

  override get(id: string): AccountModel | undefined {
    const hit = super.get(id);
    if (hit) {
      super.delete(id);
      super.set(id, hit);
      return hit;
    }
    const loaded = this.source.load(id);
    if (loaded) {
      this.set(id, loaded);
      if (!this.holding) this.trim();
    }
    return loaded;
  }

  override has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  override set(id: string, account: AccountModel): this {
    super.delete(id);
    super.set(id, account);
    this.reweigh(id, account);
    return this;
  }

  override delete(id: string): boolean {
    this.total -= this.weights.get(id) ?? 0;
    this.weights.delete(id);
    return super.delete(id);
  }

  override clear(): void {
    super.clear();
    this.weights.clear();
    this.total = 0;
  }

  /** The account if it is in memory, without loading it or counting a use. */
  peek(id: string): AccountModel | undefined {
    return super.get(id);
  }

  ids(): string[] {
    const out = new Set(this.source.ids());
    for (const id of super.keys()) out.add(id);
    return [...out];
  }

  /** The accounts read from now on stay until `release` (a batch is being folded). */
  hold(): void {
    this.holding = true;
  }

  /** The batch is saved: weigh again the accounts it changed, then let go of the least recently used beyond the budget. */
  release(changed: Iterable<string>): void {
    this.holding = false;
    for (const id of changed) {
      const account = super.get(id);
      if (account) this.reweigh(id, account);
    }
    this.trim();
  }

  private reweigh(id: string, account: AccountModel): void {
    const weight = weightOf(account);
    this.total += weight - (this.weights.get(id) ?? 0);
    this.weights.set(id, weight);
  }

  /** Lets go of the least recently used accounts while over the budget (the most recent one stays). */
  private trim(): void {
    for (const id of super.keys()) {
      if (this.total <= this.budget || super.size <= 1) return;
      this.delete(id);
    }
  }
}
