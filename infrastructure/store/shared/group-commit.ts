/** How a group commit talks to its database. */
export interface TransactionRunner {
  /** runs `work` in one transaction and commits it; throws after rolling back if anything fails */
  inTransaction(work: () => void): void;
  /** runs `work` inside the open transaction so that, if it throws, only its own writes roll back */
  isolated<T>(work: () => T): T;
  /** after the commit and before any promise settles: the place to publish committed events */
  committed(): void;
  rolledBack(): void;
}

interface Queued {
  readonly work: () => unknown;
  readonly resolve: (value: any) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: writes submitted in the same turn of the event loop share one transaction. Each
 * write runs in order against what the earlier ones wrote; one that throws rejects only its own
 * promise while the others commit.
 */
export class GroupCommit {
  private queue: Queued[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private transactionCount = 0;

  constructor(private readonly runner: TransactionRunner) {}

  /** transactions committed so far */
  get transactions(): number {
    return this.transactionCount;
  }

  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject });
      // setImmediate rather than a microtask: writes from other promise continuations of this turn join too
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits whatever is queued now, e.g. before the database closes. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.runner.inTransaction(() => {
        for (const queued of batch) {
          try {
            outcomes.push({ ok: true, value: this.runner.isolated(queued.work) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      this.runner.rolledBack();
      for (const queued of batch) queued.reject(error);
      return;
    }
    this.transactionCount += 1;
    this.runner.committed();
    batch.forEach((queued, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(outcome.error);
    });
  }
}
