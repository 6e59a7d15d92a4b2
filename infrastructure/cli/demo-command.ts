import { parseArgs } from 'node:util';
import { createLedger } from '../create-ledger.js';
import { STORE_HELP, type CliCommand } from './command.js';
import { runDemo } from './demo-workload.js';
import { printSessions } from './session-table.js';
import { emptyStore, integer, storeBytes, storeOf } from './options.js';
import { progressBar } from './terminal.js';

const MB = 1024 * 1024;

export const demo: CliCommand = {
  name: 'demo',
  summary: 'run an IM workload into the store, show one list',
  help: `usage: session-ledger demo [--fresh] [--accounts n] [--messages n] [--seed n]

Runs a day of chat among simulated accounts into the store, then prints the
session list of user000's phone. Each run adds to what the store holds.

  --accounts <n>      how many accounts talk (at least 2; default 300)
  --messages <n>      how many messages they send (default 6000)
  --seed <n>          the workload's random seed (default 7)
  --fresh             empty the store first (a sqlite file is deleted)
${STORE_HELP}`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { store: { type: 'string' }, accounts: { type: 'string' }, messages: { type: 'string' }, seed: { type: 'string' }, fresh: { type: 'boolean' } },
    });
    const accounts = integer('accounts', values.accounts, 300, 2);
    const messages = integer('messages', values.messages, 6000, 1);
    const seed = integer('seed', values.seed, 7, 0);
    const store = storeOf(values);
    if (values.fresh) await emptyStore(store);
    const before = storeBytes(store);
    const ledger = await createLedger({ store });
    try {
      console.log(`${accounts} accounts send ${messages} messages into ${store}`);
      if (before > 0) console.log(`(adding to the ${(before / MB).toFixed(1)} MB already there; --fresh starts over)`);
      const bar = progressBar('messages', messages);
      const started = performance.now();
      const { commands, featured } = await runDemo(ledger, {
        accounts, messages, seed, runId: Date.now().toString(36), now: Date.now, onProgress: (n) => bar.tick(n),
      });
      bar.end();
      const seconds = (performance.now() - started) / 1000;
      console.log(`${commands} commands in ${seconds.toFixed(1)} s (${Math.round(commands / seconds)} commands/s)`);
      const view = ledger.account(featured, { device: 'phone' });
      const { sessions } = await view.getLocalSessions({ limit: 15 });
      printSessions(featured, 'phone', sessions, await view.getTotalUnread());
      const again = values.store === undefined ? '' : ` --store ${values.store}`;
      // npx finds the command in a checkout and in a project that installed the package alike
      console.log(`\nnext:\n  npx session-ledger sessions ${featured} --device phone${again}`);
      console.log(`  npx session-ledger history ${featured} ${sessions[0]?.id ?? 'p2p-user001'} --device phone${again}`);
    } finally {
      await ledger.close();
    }
  },
};
