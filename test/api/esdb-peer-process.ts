import { projectionRunnerOf } from '../../application/api/ledger.js';
// A second ledger process for the two-process test: reads commands on stdin, answers on stdout.
import { createInterface } from 'node:readline';
import { createLedger } from '../../infrastructure/create-ledger.js';

const ledger = await createLedger({ store: process.argv[2]! });
console.log('ready');
for await (const line of createInterface({ input: process.stdin })) {
  const [verb, account, n] = line.split(' ');
  if (verb === 'expect') {
    const want = Number(n);
    const seen = () => ledger.reader.totalUnread(account!, 'default') === want;
    if (!seen()) {
      await new Promise<void>((resolve) => {
        const sub = projectionRunnerOf(ledger).applied$.subscribe(() => {
          if (seen()) {
            sub.unsubscribe();
            resolve();
          }
        });
      });
    }
    console.log(`saw ${account} ${want}`);
  } else if (verb === 'write') {
    await ledger.account(account!).receiveMessage({ scene: 'p2p', from: 'carol', to: account!, idClient: 'from-peer', type: 'text', time: 2 });
    console.log('wrote');
  }
}
await ledger.close();
