import { parseArgs } from 'node:util';
import { rebuildReadModels } from '../../application/read/rebuild.js';
import { parseSessionId, type TimelineEntry } from '../../index.js';
import { createLedger, openStore, readModelWiring } from '../create-ledger.js';
import { STORE_HELP, type CliCommand } from './command.js';
import { existingStore, integer, noMore, readModelsOf, UsageError } from './options.js';
import { requireDevice, unknownSession } from './store-lookup.js';
import { messageLine, printSessions } from './session-table.js';
import { isoTime, table, timesOf, truncate } from './terminal.js';

const SESSIONS_USAGE = 'usage: session-ledger sessions <account> [--device default] [--limit 20]';

export const sessions: CliCommand = {
  name: 'sessions',
  summary: "a device view's session list, most recent first",
  help: `${SESSIONS_USAGE}

Prints the session list one device of <account> sees, with its unread counts,
without changing anything (the device keeps its recorded unread mode).

  --device <name>     the device view (default: default)
  --limit <n>         how many sessions, 1 to 100 (default 20)
${STORE_HELP}`,
  async run(args) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { store: { type: 'string' }, device: { type: 'string' }, limit: { type: 'string' } } });
    const account = positionals[0];
    if (!account) throw new UsageError(SESSIONS_USAGE);
    noMore(positionals, 1, SESSIONS_USAGE);
    const limit = integer('limit', values.limit, 20, 1, 100);
    const ledger = await createLedger({ store: existingStore(values) });
    try {
      const device = values.device ?? 'default';
      await requireDevice(ledger, account, device);
      // A read-only look: open the view with the options the device has, so its mode stays as it is.
      const view = ledger.account(account, { device, ...ledger.reader.deviceMode(account, device)!.options });
      const { sessions: list } = await view.getLocalSessions({ limit });
      printSessions(account, device, list, await view.getTotalUnread());
    } finally {
      await ledger.close();
    }
  },
};

const HISTORY_USAGE = 'usage: session-ledger history <account> <sessionId> [--device default]';

export const history: CliCommand = {
  name: 'history',
  summary: "one session's events, with the unread after each",
  help: `${HISTORY_USAGE}

The audit timeline of one session in <account>'s list: one line per recorded
event, the device that recorded it (another account's, for a message that
account sent), and the unread the device view sees right after it.

  --device <name>     whose unread to show (default: default)
${STORE_HELP}`,
  async run(args) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { store: { type: 'string' }, device: { type: 'string' } } });
    const [account, sessionId] = positionals;
    if (!account || !sessionId) throw new UsageError(HISTORY_USAGE);
    noMore(positionals, 2, HISTORY_USAGE);
    const ledger = await createLedger({ store: existingStore(values) });
    try {
      const device = values.device ?? 'default';
      await requireDevice(ledger, account, device);
      const entries = parseSessionId(sessionId) ? await ledger.timeline({ account, sessionId, device }) : [];
      if (entries.length === 0) throw unknownSession(ledger, account, device, sessionId);
      const time = timesOf(entries.map((e) => e.metadata.at));
      console.log(`history of ${sessionId} in ${account}'s list; unread as device ${device} sees it${time.day ? `\n(recorded on ${time.day}, times UTC)` : ''}\n`);
      console.log(table([time.day ? 'recorded at' : 'recorded at (UTC)', 'event', 'recorded by', 'detail', 'unread'], entries.map((e) => [
        time.format(e.metadata.at), e.type, recordedBy(account, e), detail(e.type, e.data), e.visible ? String(e.unread) : '(hidden)',
      ]), { rigid: [0, 1, 4] }));
    } finally {
      await ledger.close();
    }
  },
};

/** The device whose command recorded the event; another account's device is named with its account. */
export function recordedBy(account: string, entry: Pick<TimelineEntry, 'metadata'>): string {
  const { account: by, device } = entry.metadata;
  return by === account ? device : `${by}/${device}`;
}

function detail(type: string, data: any): string {
  switch (type) {
    case 'MessageReceived':
    case 'MessageSent':
      return truncate(`${data.delivery} ${messageLine(data.message)}`, 48);
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

export const rebuild: CliCommand = {
  name: 'rebuild',
  summary: 'rebuild the read models from position 0',
  help: `usage: session-ledger rebuild

Replays every event of the store into fresh read models and reports how many
accounts and events it folded. On sqlite it empties the read-model tables in the
store's file and builds them again (a ledger then opens without replaying); on
PostgreSQL it does the same with the tables beside the events, holding the
read-model-build lease: write transactions of running processes wait until it is
done; on EventStoreDB it only checks that the log folds (those read models are
folded at every open), unless --read-models names the database that holds them.

  --read-models <url>  an EventStoreDB store's read models ('postgres://...' or
                       'sqlite:<path>', as createLedger's readModels): emptied
                       and built again there, holding the projector's lease
${STORE_HELP}`,
  async run(args) {
    const { values } = parseArgs({ args, options: { store: { type: 'string' }, 'read-models': { type: 'string' } } });
    const url = existingStore(values);
    const separate = readModelsOf(values, url);
    const store = await openStore(url);
    try {
      const started = performance.now();
      // a counter redrawn in place on a terminal; nothing in a log, where each redraw would pile up
      const tty = process.stderr.isTTY;
      const { runner: options } = await readModelWiring(store, separate === undefined ? {} : { readModels: separate });
      const { events, accounts } = await rebuildReadModels(store, (n) => tty && process.stderr.write(`\rreplayed ${n} events`), options);
      if (tty) process.stderr.write('\n');
      console.log(`rebuilt the read models of ${accounts} accounts from ${events} events in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    } finally {
      await store.close();
    }
  },
};
