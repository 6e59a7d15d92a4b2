import { expect } from 'chai';
import type { Lease, LeaseElector } from '../../application/ports/lease.js';
import { LeasedWork } from '../../application/reactors/leased-work.js';
import { SILENT_LOGGER } from '../../application/ports/logger.js';

/** An elector in memory: each campaign is held at once; `lose()` ends the one held now, as a dead connection would. */
class InstantElector implements LeaseElector {
  campaigns = 0;
  released = 0;
  private loseNow: (() => void) | undefined;

  campaign(): Lease {
    this.campaigns++;
    let lose!: () => void;
    const lost = new Promise<void>((resolve) => (lose = resolve));
    this.loseNow = lose;
    let given = false;
    return {
      held: Promise.resolve(),
      lost,
      release: async () => {
        if (given) return;
        given = true;
        this.released++;
      },
    };
  }

  lose(): void {
    this.loseNow?.();
  }
}

describe('LeasedWork (work one process does for all, under a lease)', () => {
  it('a lost lease stops the work and campaigns again; the next hold starts it again', async () => {
    const elector = new InstantElector();
    const log: string[] = [];
    let stopped!: () => void;
    const firstStop = new Promise<void>((resolve) => (stopped = resolve));
    const work = new LeasedWork(elector, 'w', {
      start: async () => void log.push('start'),
      stop: async () => {
        log.push('stop');
        stopped();
      },
    }, SILENT_LOGGER);
    await work.firstStart;
    elector.lose();
    await firstStop;
    await work.whenHeld();
    expect(log).to.deep.equal(['start', 'stop', 'start']);
    expect({ held: work.held, takenTimes: work.takenTimes, campaigns: elector.campaigns }).to.deep.equal({ held: true, takenTimes: 2, campaigns: 2 });
    await work.close();
    expect(log).to.deep.equal(['start', 'stop', 'start', 'stop']);
    expect(elector.released).to.equal(1);
  });

  it('a work that fails to start gives the lease up and campaigns again (after a pause), then runs', async () => {
    const elector = new InstantElector();
    let attempts = 0;
    const work = new LeasedWork(elector, 'w', {
      start: async () => {
        if (++attempts === 1) throw new Error('store unreachable');
      },
      stop: async () => undefined,
    }, SILENT_LOGGER);
    await work.whenHeld();
    expect({ attempts, released: elector.released, campaigns: elector.campaigns, held: work.held }).to.deep.equal({ attempts: 2, released: 1, campaigns: 2, held: true });
    await work.close();
  });
});
