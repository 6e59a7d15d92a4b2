import { expect } from 'chai';
import fc from 'fast-check';
import { openFixture, type StoreKind } from '../support/ledger-fixture.js';
import { BASE_TIME, historyArb, play, type History } from './history-runner.js';

/**
 * S4 and S7 against the independent reference model (test/model/reference-model.ts, written from
 * SESSIONS.md): after each random history every device's list, unread, lastMsg and localCustom
 * must be the model's. Seeded, bounded in count and in time; its figures are printed.
 */
const RUNS: Partial<Record<StoreKind, number>> = { memory: 200, sqlite: 40 };
const TIME_LIMIT_MS = 90_000;

for (const [kind, runs] of Object.entries(RUNS) as [StoreKind, number][]) {
  describe(`reference model (${kind})`, () => {
    it('S4 S7 random histories: unread equals the reference model', async function () {
      this.timeout(TIME_LIMIT_MS + 30_000);
      let histories = 0;
      let operations = 0;
      const started = Date.now();
      const outcome = await fc.check(fc.asyncProperty(historyArb, async (history) => {
        const fixture = await openFixture(kind, BASE_TIME);
        try {
          const { mismatches, broken } = await play(fixture.ledger, fixture.clock, history);
          histories++;
          operations += history.ops.length;
          return mismatches.length === 0 && broken.length === 0;
        } finally {
          await fixture.close();
        }
      }), { numRuns: runs, seed: 20261202, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false });
      console.log(`      ${outcome.numRuns} of ${runs} histories agreed in ${Date.now() - started} ms (${histories} played, ${operations} operations)${outcome.interrupted ? '; stopped at the time limit' : ''}`);
      if (outcome.failed) {
        const history = outcome.counterexample![0] as History;
        const fixture = await openFixture(kind, BASE_TIME);
        const found = await play(fixture.ledger, fixture.clock, history).finally(() => fixture.close());
        expect.fail(`the ledger and the reference model diverge; shrunk history ${JSON.stringify(history)}: ${JSON.stringify(found)}`);
      }
    });
  });
}
