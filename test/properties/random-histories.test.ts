import { expect } from 'chai';
import fc from 'fast-check';
import { openFixture, type StoreKind } from '../support/ledger-fixture.js';
import { BASE_TIME, historyArb, play } from './history-runner.js';

/**
 * Random histories over three accounts and five devices in all four modes: every command, views
 * opened and closed, devices that join late, same-millisecond messages, deletes with message times
 * far from the clock, syncs with one's own messages. After each history the ledger must agree with
 * itself: order, paging, reverse paging, totals and replay (sessionsAt now) give one answer.
 */
const RUNS: Record<string, number> = { memory: 300, sqlite: 60, postgres: 20 };

for (const kind of ['memory', 'sqlite', 'postgres'] as StoreKind[]) {
  describe(`random histories (${kind})`, () => {
    it('S4.7 S6.1 S10.3 unread >= 0, total = sum of pages, paging yields each live session once in order, live = sessionsAt(now)', async function () {
      this.timeout(120_000);
      let histories = 0;
      let commands = 0;
      await fc.assert(fc.asyncProperty(historyArb, async (history) => {
        const fixture = await openFixture(kind, BASE_TIME);
        try {
          const { broken } = await play(fixture.ledger, fixture.clock, history);
          histories++;
          commands += history.ops.length;
          expect(broken, broken.join('\n')).to.deep.equal([]);
          if (kind === 'sqlite') {
            // Reopened, the read models come from their tables' rows alone: they must equal a replay.
            const { reader } = await fixture.reopen();
            for (const account of reader.accountIds()) {
              for (const device of reader.devicesOf(account)) {
                const replayed = await fixture.ledger.sessionsAt({ account, device, at: Number.MAX_SAFE_INTEGER });
                expect(reader.allSessions(account, device), `${account}/${device} from the tables`).to.deep.equal(replayed);
              }
            }
          }
        } finally {
          await fixture.close();
        }
      }), { numRuns: RUNS[kind]!, seed: 20261201 });
      console.log(`      ${histories} histories, ${commands} generated operations`);
    });
  });
}
