import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Ledger } from '../../application/ledger.js';
import { rebuildReadModels } from '../../application/rebuild.js';
import type { Session } from '../../projections/read-model.js';
import { createLedger, DEFAULT_STORE, openStore } from '../create-ledger.js';
import { runDemo } from './demo-workload.js';
import { isoTime, progressBar, table, truncate } from './terminal.js';

const USAGE = `session-ledger: the recent-sessions ledger on the command line

usage:
  session-ledger demo [--accounts 300] [--messages 6000] [--seed 7]
                            run an IM workload into the store, then show one account's list
  session-ledger sessions <account> [--device default] [--limit 20]
                            a device view's session list, most recent first
  session-ledger history <account> <sessionId> [--device default]
                            the audit timeline: one line per event with the unread after it
  session-ledger rebuild    rebuild the read models from position 0
  session-ledger bot-demo [--timeout 1500]
                            a two-question survey bot answering simulated users
  session-ledger serve [--port 8080] [--host 127.0.0.1] [--demo]
                            the HTTP API, live updates and the web inbox at /

options for every command:
  --store <url>             'memory', 'sqlite:<path>' or 'esdb://…'
                            (default: $LEDGER_STORE, else ${DEFAULT_STORE})`;

function storeOf(values: { store?: string | undefined }): string {
  return values.store ?? process.env['LEDGER_STORE'] ?? DEFAULT_STORE;
}

/** Commands that only read must not create an empty store where a path was mistyped. */
function existingStore(values: { store?: string | undefined }): string {
  const url = storeOf(values);
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : undefined;
  if (path && path !== ':memory:' && !existsSync(path)) {
    throw new Error(`no store at ${path}: run 'session-ledger demo' first, or pass --store <url>`);
  }
  return url;
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}; got ${JSON.stringify(raw)}`);
  return n;
}

function noMore(positionals: string[], expected: number, usage: string): void {
  if (positionals.length > expected) throw new Error(`unexpected argument ${JSON.stringify(positionals[expected])}; usage: ${usage}`);
}

/** The device view must exist: a mistyped device name would otherwise look like an empty list. */
function requireDevice(ledger: Ledger, account: string, device: string): void {
  if (ledger.projections.projection.hasDevice(account, device)) return;
  const known = ledger.projections.projection.devicesOf(account);
  throw new Error(`${account} has no device view named ${device}${known.length ? `; known: ${known.join(', ')}` : ' (and no devices at all)'}`);
}

function sessionRows(sessions: Session[]): string[][] {
  return sessions.map((s) => [
    s.id,
    String(s.unread),
    isoTime(s.updateTime),
    s.lastMsg ? `${s.lastMsg.from}: ${truncate(s.lastMsg.type === 'text' ? s.lastMsg.text ?? '' : `[${s.lastMsg.type}]`, 28)}` : '(empty)',
    s.msgReceiptTime !== undefined ? isoTime(s.msgReceiptTime) : '',
  ]);
}

function printSessions(account: string, device: string, sessions: Session[], total: number): void {
  console.log(`\n${account} on device ${device}: ${sessions.length} session(s) shown, ${total} unread in all\n`);
  console.log(table(['session', 'unread', 'updateTime (UTC)', 'lastMsg', 'read by peer up to'], sessionRows(sessions)));
}

async function demo(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { store: { type: 'string' }, accounts: { type: 'string' }, messages: { type: 'string' }, seed: { type: 'string' } } });
  const accounts = integer('accounts', values.accounts, 300, 2);
  const messages = integer('messages', values.messages, 6000, 1);
  const seed = integer('seed', values.seed, 7, 0);
  const store = storeOf(values);
  const ledger = await createLedger({ store });
  try {
    console.log(`session-ledger demo: ${accounts} accounts, ${messages} messages into ${store}`);
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
    console.log(`\nnext: session-ledger sessions ${featured} --device phone   |   session-ledger history ${featured} ${sessions[0]?.id ?? 'p2p-user001'} --device phone`);
  } finally {
    await ledger.close();
  }
}

async function sessions(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { store: { type: 'string' }, device: { type: 'string' }, limit: { type: 'string' } } });
  const usage = 'session-ledger sessions <account> [--device d] [--limit n]';
  const account = positionals[0];
  if (!account) throw new Error(`usage: ${usage}`);
  noMore(positionals, 1, usage);
  const limit = integer('limit', values.limit, 20, 1, 100);
  const ledger = await createLedger({ store: existingStore(values) });
  try {
    const device = values.device ?? 'default';
    requireDevice(ledger, account, device);
    // A read-only look: open the view with the options the device has, so its mode stays as it is.
    const view = ledger.account(account, { device, ...ledger.projections.projection.deviceMode(account, device)!.options });
    const { sessions: list } = await view.getLocalSessions({ limit });
    printSessions(account, device, list, await view.getTotalUnread());
  } finally {
    await ledger.close();
  }
}

async function history(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { store: { type: 'string' }, device: { type: 'string' } } });
  const usage = 'session-ledger history <account> <sessionId> [--device d]';
  const [account, sessionId] = positionals;
  if (!account || !sessionId) throw new Error(`usage: ${usage}`);
  noMore(positionals, 2, usage);
  const ledger = await createLedger({ store: existingStore(values) });
  try {
    const device = values.device ?? 'default';
    requireDevice(ledger, account, device);
    const entries = await ledger.timeline({ account, sessionId, device });
    if (entries.length === 0) {
      console.log(`${account} has no session ${sessionId}: nothing was ever recorded for it`);
      return;
    }
    console.log(`history of ${sessionId} in ${account}'s list; unread as device ${device} sees it\n`);
    console.log(table(['recorded at (UTC)', 'event', 'by device', 'detail', 'unread'], entries.map((e) => [
      isoTime(e.metadata.at), e.type, e.metadata.device, detail(e.type, e.data), e.visible ? String(e.unread) : '(hidden)',
    ])));
  } finally {
    await ledger.close();
  }
}

function detail(type: string, data: any): string {
  switch (type) {
    case 'MessageReceived':
    case 'MessageSent':
      return truncate(`${data.delivery} ${data.message.from}→${data.message.to} ${data.message.type}${data.message.text ? ` "${data.message.text}"` : ''}`, 48);
    case 'SessionReset':
    case 'CurrentSessionSet':
      return `${data.scope} mark ${isoTime(data.mark)}`;
    case 'ReceiptReceived':
      return `${data.reader} read up to ${isoTime(data.msgReceiptTime)}`;
    case 'SessionDeleted':
      return `${data.scope} delete`;
    case 'LocalCustomUpdated':
      return truncate(`localCustom ${data.localCustom}`, 48);
    case 'OfflineBatchSynced':
      return `${data.keys.length} offline unread`;
    default:
      return '';
  }
}

async function rebuild(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { store: { type: 'string' } } });
  const store = await openStore(existingStore(values));
  try {
    const started = performance.now();
    const { events, accounts } = await rebuildReadModels(store, (n) => process.stderr.write(`\rreplayed ${n} events`));
    process.stderr.write('\n');
    console.log(`rebuilt the read models of ${accounts} accounts from ${events} events in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  } finally {
    await store.close();
  }
}

async function botDemo(args: string[]): Promise<void> {
  const { runBotDemo } = await import('./bot-demo.js');
  const { values } = parseArgs({ args, options: { store: { type: 'string' }, timeout: { type: 'string' } } });
  const timeout = integer('timeout', values.timeout, 1500, 1);
  await runBotDemo(storeOf(values), timeout);
}

const serve = async (args: string[]) => (await import('./serve.js')).serve(args);
const commands: Record<string, (args: string[]) => Promise<void>> = { demo, sessions, history, rebuild, 'bot-demo': botDemo, serve };

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    console.error(USAGE);
    return 1;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  try {
    await command(rest);
    return 0;
  } catch (error) {
    console.error(`session-ledger ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
