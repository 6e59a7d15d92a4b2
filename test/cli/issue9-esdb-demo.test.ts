import { expect } from 'chai';
import { createLedger } from '../../infrastructure/create-ledger.js';
import { runDemo } from '../../infrastructure/cli/demo-workload.js';
import { isLedgerEvent } from '../../infrastructure/store/esdb/esdb-events.js';
import { startTestServer } from '../esdb-server/server.js';

// Issue 9 "Done when": the esdb demo runs 100,000 events on the test server without a refused write
// (bench/esdb-demo-bench.ts runs that; this is its short form). It failed every time once the log
// reached 20,000 events: the read-model snapshot was one 6.4 MB append.
describe('issue 9: the demo on EventStoreDB (the test server, with the real server\'s limits)', () => {
  it('issue 9 the esdb demo runs 3,000 events on the test server without a refused write, and a new ledger folds them to the same list', async function () {
    this.timeout(120_000);
    const server = await startTestServer();
    try {
      const ledger = await createLedger({ store: server.url });
      let featured: string;
      let before: unknown;
      try {
        let round = 0;
        const events = () => server.data.log.filter((e) => isLedgerEvent({ streamName: e.streamName, type: e.type })).length;
        do {
          ({ featured } = await runDemo(ledger, { accounts: 300, messages: 1_000, seed: 7 + round, runId: `r${round}`, now: () => 1_700_000_000_000 + round }));
          round++;
        } while (events() < 3_000 && round < 20);
        expect(events()).to.be.at.least(3_000);
        before = await ledger.account(featured, { device: 'phone' }).getLocalSessions({ limit: 100 });
      } finally {
        await ledger.close();
      }
      expect(server.refusedAppends).to.equal(0);
      const again = await createLedger({ store: server.url });
      try {
        expect(await again.account(featured, { device: 'phone' }).getLocalSessions({ limit: 100 })).to.deep.equal(before);
      } finally {
        await again.close();
      }
    } finally {
      await server.close();
    }
  });
});
