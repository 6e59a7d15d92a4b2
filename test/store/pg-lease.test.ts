import { expect } from 'chai';
import { LeaseReleasedError, type Lease } from '../../application/ports/lease.js';
import { PgLeaseElector } from '../../infrastructure/store/postgres/pg-lease.js';
import { freshPostgresUrl, withClient } from '../support/postgres.js';

/** Resolves once `n` sessions wait in the server for the lock of `key` (read from pg_locks, no timer). */
async function waiting(url: string, n: number): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    const count = await withClient(url, async (c) => Number((await c.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rows[0].n));
    if (count >= n) return;
  }
  throw new Error(`${n} sessions never waited for the lease`);
}

async function holders(url: string, key: string): Promise<number> {
  return withClient(url, async (c) => Number((await c.query(
    "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND (classid::bigint << 32 | objid::bigint) = (hashtextextended($1, 0) & x'ffffffffffffffff'::bigint)",
    [key],
  )).rows[0].n));
}

function settled(lease: Lease): Promise<'held' | 'refused'> {
  return lease.held.then(() => 'held' as const, () => 'refused' as const);
}

describe('PostgreSQL leases (issue 9: one process does the shared work, taken over when it dies)', function () {
  this.timeout(60_000);
  let url: string;
  let scope: string;
  const open: Lease[] = [];

  before(async () => {
    url = await freshPostgresUrl();
    scope = new URL(url).searchParams.get('options')!.split('=')[1]!;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.release()));
  });

  function campaign(name: string, elector = new PgLeaseElector(url, scope, 5000)): Lease {
    const lease = elector.campaign(name);
    open.push(lease);
    return lease;
  }

  it('one holder at a time; the next in line holds it once the first gives it up', async () => {
    const first = campaign('peer-delivery');
    await first.held;
    const second = campaign('peer-delivery');
    await waiting(url, 1);
    expect(await holders(url, `session-ledger-lease:${scope}:peer-delivery`)).to.equal(1);
    await first.release();
    await second.held;
    expect(await holders(url, `session-ledger-lease:${scope}:peer-delivery`)).to.equal(1);
  });

  it('a holder whose session dies (a crash) loses it, and the one waiting takes it over', async () => {
    const first = campaign('projector');
    await first.held;
    const second = campaign('projector');
    await waiting(url, 1);
    // the server ends the holder's session, as it does when its process is killed
    await withClient(url, (c) => c.query(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND (classid::bigint << 32 | objid::bigint) = (hashtextextended($1, 0) & x'ffffffffffffffff'::bigint)",
      [`session-ledger-lease:${scope}:projector`],
    ));
    await first.lost;
    await second.held;
  });

  it('leases of other names and of other schemas do not wait for each other', async () => {
    const a = campaign('one');
    const b = campaign('two');
    const c = campaign('one', new PgLeaseElector(url, `${scope}_other`, 5000));
    await Promise.all([a.held, b.held, c.held]);
  });

  it('a campaign given up before it held the lease rejects `held` with LeaseReleasedError and never took it', async () => {
    const first = campaign('busy');
    await first.held;
    const second = campaign('busy');
    await waiting(url, 1);
    const outcome = second.held.catch((e: unknown) => e);
    await second.release();
    expect(await outcome).to.be.instanceOf(LeaseReleasedError);
    expect(await settled(first)).to.equal('held');
    await first.release();
    const third = campaign('busy');
    await third.held;
  });
});
