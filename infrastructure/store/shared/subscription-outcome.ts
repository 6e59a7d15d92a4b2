/**
 * How a Subscription's two promises settle: `caughtUp` once, `done` at the end, with `caughtUp`
 * rejected if the end comes first. Neither rejects unhandled when a caller never awaits it.
 */
export class SubscriptionOutcome {
  readonly caughtUp: Promise<void>;
  readonly done: Promise<void>;
  private settled = { caughtUp: false, done: false };
  private readonly settlers: { caughtUp?: Settle; done?: Settle } = {};

  constructor() {
    this.caughtUp = this.promise('caughtUp');
    this.done = this.promise('done');
  }

  reachedCatchUp(): void {
    this.settle('caughtUp');
  }

  /** Settles `done` with `error` (resolves without one); a pending `caughtUp` rejects. */
  end(error?: unknown): void {
    this.settle('caughtUp', error ?? new Error('the subscription was closed before it caught up'));
    this.settle('done', error);
  }

  private promise(which: 'caughtUp' | 'done'): Promise<void> {
    const promise = new Promise<void>((resolve, reject) => {
      this.settlers[which] = (error) => (error === undefined ? resolve() : reject(error));
    });
    promise.catch(() => undefined);
    return promise;
  }

  private settle(which: 'caughtUp' | 'done', error?: unknown): void {
    if (this.settled[which]) return;
    this.settled[which] = true;
    this.settlers[which]!(error);
  }
}

type Settle = (error?: unknown) => void;
