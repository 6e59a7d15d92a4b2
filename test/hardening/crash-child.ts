/**
 * The crash suite's child: ingests on sqlite (receives and p2p sends across accounts, a few in
 * flight at once) and prints one line per acknowledged command, until the parent kills it.
 * Usage: node crash-child.js <sqlite path> <round> <seed>
 */
import { createLedger } from '../../infrastructure/create-ledger.js';

const [path, round, seedText] = process.argv.slice(2) as [string, string, string];
let seed = Number(seedText) >>> 0;
const random = () => ((seed = (seed * 1_664_525 + 1_013_904_223) >>> 0) / 2 ** 32);
const ACCOUNTS = ['a0', 'a1', 'a2', 'a3', 'a4'];
const pick = () => ACCOUNTS[Math.floor(random() * ACCOUNTS.length)]!;

const ledger = await createLedger({ store: `sqlite:${path}` });
const views = new Map(ACCOUNTS.map((a) => [a, ledger.account(a, { device: random() < 0.5 ? 'phone' : 'pc' })]));
let n = 0;

async function worker(): Promise<never> {
  for (;;) {
    const account = pick();
    let peer = pick();
    if (peer === account) peer = ACCOUNTS[(ACCOUNTS.indexOf(account) + 1) % ACCOUNTS.length]!;
    const idClient = `r${round}-${++n}`;
    const time = Number(round) * 1_000_000 + n;
    const kind = random() < 0.5 ? 'send' : 'receive';
    const message = kind === 'send'
      ? { scene: 'p2p' as const, from: account, to: peer, idClient, type: 'text', text: idClient, time }
      : { scene: 'p2p' as const, from: peer, to: account, idClient, type: 'text', text: idClient, time };
    const view = views.get(account)!;
    await (kind === 'send' ? view.sendMessage(message) : view.receiveMessage(message));
    process.stdout.write(`${JSON.stringify({ kind, account, peer, idClient })}\n`);
  }
}

await Promise.all([worker(), worker(), worker(), worker()]);
