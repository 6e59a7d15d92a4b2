/**
 * Compares the ledger with the reference model of SESSIONS.md (test/model/reference-model.ts) over
 * random histories and prints the shrunk counterexample: the tool for the S4/S7 rule changes, to be
 * turned into a test in `npm test` once the ledger follows the current rules.
 * Run: npx tsc -p tsconfig.json && node dist/test/properties/rule-divergence.js [runs] [seed]
 */
import fc from 'fast-check';
import { openFixture } from '../support/ledger-fixture.js';
import { BASE_TIME, historyArb, play } from './history-runner.js';

const runs = Number(process.argv[2] ?? 300);
const seed = Number(process.argv[3] ?? Date.now() % 1_000_000);
const result = await fc.check(fc.asyncProperty(historyArb, async (history) => {
  const fixture = await openFixture('memory', BASE_TIME);
  try {
    const { mismatches, broken } = await play(fixture.ledger, fixture.clock, history);
    return mismatches.length === 0 && broken.length === 0;
  } finally {
    await fixture.close();
  }
}), { numRuns: runs, seed });
if (!result.failed) {
  console.log(`${runs} histories (seed ${seed}): the ledger agrees with the reference model`);
} else {
  const history = result.counterexample![0];
  const fixture = await openFixture('memory', BASE_TIME);
  const outcome = await play(fixture.ledger, fixture.clock, history);
  await fixture.close();
  console.log(`seed ${seed}: diverged after ${result.numRuns} histories; shrunk counterexample:`);
  console.log(JSON.stringify(history));
  console.log(JSON.stringify(outcome, null, 1));
  process.exitCode = 1;
}
