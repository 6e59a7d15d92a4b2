import type { Lease, LeaseElector } from '../ports/lease.js';
import { errorText, type Logger } from '../ports/logger.js';

/** Work one process does for all: started once the lease is held, stopped when it is lost. */
export interface Work {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Campaigns for the lease `name` and runs `work` while it is held. On a lost lease (its
 * connection ended) the work stops and the campaign starts again; a work that fails to start or
 * stops on its own gives the lease up and campaigns again after a pause, so another process may
 * take it meanwhile.
 */
export class LeasedWork {
  private lease: Lease | undefined;
  private running: Promise<void> = Promise.resolve();
  private closed = false;
  private holding = false;
  /** the work started under the lease held now */
  private runningNow = false;
  private heldTimes = 0;
  private readonly started: Promise<void>;
  private markStarted!: () => void;
  /** starts that failed in a row: the next campaign waits longer (100 ms doubling to 5 s) */
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  /** waiting for the work's next start under the lease */
  private waiting: (() => void)[] = [];

  constructor(private readonly elector: LeaseElector, private readonly name: string, private readonly work: Work, private readonly logger: Logger) {
    this.started = new Promise((resolve) => (this.markStarted = resolve));
    this.campaign();
  }

  /** whether this process holds the lease and runs the work now */
  get held(): boolean {
    return this.holding;
  }

  /** how often this process took the lease */
  get takenTimes(): number {
    return this.heldTimes;
  }

  /** resolves the first time this process holds the lease and the work has started */
  get firstStart(): Promise<void> {
    return this.started;
  }

  /** resolves once the work runs under the lease: now if it does, else at its next start */
  whenHeld(): Promise<void> {
    if (this.holding && this.runningNow) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private campaign(): void {
    if (this.closed) return;
    const lease = this.elector.campaign(this.name);
    this.lease = lease;
    lease.held.then(() => this.run(lease), () => undefined);
  }

  private async run(lease: Lease): Promise<void> {
    if (this.closed || this.lease !== lease) return;
    this.holding = true;
    this.heldTimes++;
    this.running = this.work.start().then(
      () => {
        this.failures = 0;
        this.runningNow = true;
        this.markStarted();
        for (const resolve of this.waiting.splice(0)) resolve();
      },
      async (error: unknown) => {
        if (this.closed) return;
        this.logger.error(`${this.name}: could not start; giving the lease up`, { error: errorText(error) });
        await this.stopAndCampaign(lease, true);
      },
    );
    await this.running;
    void lease.lost.then(() => {
      if (this.lease !== lease || this.closed) return;
      this.logger.warn(`${this.name}: lease lost; stopping and campaigning again`);
      return this.stopAndCampaign(lease, false);
    });
  }

  /** The work stopped on its own (its log subscription failed): the lease is given up and campaigned for again. */
  workFailed(): void {
    const lease = this.lease;
    if (this.closed || !this.holding || !lease) return;
    void this.stopAndCampaign(lease, true);
  }

  private async stopAndCampaign(lease: Lease, release: boolean): Promise<void> {
    this.holding = false;
    this.runningNow = false;
    await this.work.stop().catch(() => undefined);
    if (release) await lease.release();
    if (this.lease !== lease) return;
    if (!release) return this.campaign();
    // a work that failed (the store unreachable, say) is not restarted in a tight loop
    this.failures++;
    this.retry = setTimeout(() => this.campaign(), Math.min(100 * 2 ** this.failures, 5000));
    this.retry.unref();
  }

  /** Stops campaigning; the work, if running, stops, and the lease is given up. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.running.catch(() => undefined);
    const lease = this.lease;
    this.lease = undefined;
    if (this.holding) await this.work.stop();
    this.holding = false;
    this.runningNow = false;
    await lease?.release();
  }
}
