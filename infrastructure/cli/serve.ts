import { parseArgs } from 'node:util';
import { authFromEnvironment, demoTokens, type AuthSettings } from '../http/auth.js';
import { DEMO_ACCOUNTS, DEMO_DEVICE, DEMO_VIEWS, DemoTraffic } from '../http/demo-traffic.js';
import { jsonLogger, type Logger } from '../http/logger.js';
import { createService, openServiceLedger } from '../http/server.js';
import type { Ledger } from '../../application/api/ledger.js';
import { GetLocalSessions } from '../../application/read/session-queries.js';
import { noMore, readModelsOf, storeOf, UsageError } from './options.js';

const SERVE_USAGE = 'session-ledger serve [--port 8080] [--host 127.0.0.1] [--store <url>] [--read-models <url>] [--demo]';

function port(raw: string | undefined): number {
  const env = process.env['PORT'];
  const [setting, value] = raw !== undefined ? ['--port', raw] : env !== undefined ? ['PORT', env] : ['--port', '8080'];
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n > 65535) throw new UsageError(`${setting} must be a whole number from 0 to 65535 (0 picks a free port); got ${JSON.stringify(value)}`);
  return n;
}

/**
 * The HTTP service until SIGINT or SIGTERM. `--demo` seeds demo traffic into an empty store and
 * offers the inbox's "simulate traffic" control.
 */
export async function serve(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { port: { type: 'string' }, host: { type: 'string' }, store: { type: 'string' }, 'read-models': { type: 'string' }, demo: { type: 'boolean' } } });
  noMore(positionals, 0, `usage: ${SERVE_USAGE}`);
  const listenPort = port(values.port);
  const storeUrl = storeOf(values);
  const logger = jsonLogger();
  const auth = authFromEnvironment();
  // the ledger reports what it cannot throw (a failed peer delivery, a callback that threw) in the same log
  const readModels = readModelsOf(values, storeUrl);
  const { ledger, store } = await openServiceLedger(storeUrl, Date.now, logger, readModels);
  try {
    const traffic = values.demo ? new DemoTraffic(ledger) : undefined;
    if (traffic) await seedOnce(traffic, ledger, storeUrl, logger);
    const service = await createService({ ledger, store, auth, logger, ...(traffic && { demo: traffic }) });
    try {
      const url = await service.listen(listenPort, values.host ?? '127.0.0.1');
      logger.info('listening', { url, store: storeUrl, position: ledger.position() });
      if (auth.development) logger.warn('LEDGER_AUTH_SECRET is not set: signing tokens with a development secret');
      printWelcome(url, storeUrl, auth);
      const signal = await stopSignal();
      logger.info('stopping', { signal });
    } finally {
      await service.close();
    }
  } finally {
    await ledger.close();
  }
  logger.info('stopped', { position: ledger.position() });
}

/** The demo's first run: an empty store gets its devices and some traffic. */
async function seedOnce(traffic: DemoTraffic, ledger: Ledger, storeUrl: string, logger: Logger): Promise<void> {
  const seeded = (await ledger.queries.execute(new GetLocalSessions({ account: DEMO_ACCOUNTS[0], device: DEMO_DEVICE, limit: 1 }))).sessions.length > 0;
  if (seeded) return;
  await traffic.register();
  const commands = await traffic.run(150);
  logger.info('seeded demo data', { store: storeUrl, commands });
}

function printWelcome(url: string, storeUrl: string, auth: AuthSettings): void {
  console.log(`\nsession-ledger serving ${storeUrl} at ${url}\n  inbox: ${url}/   API: ${url}/openapi.json   metrics: ${url}/metrics`);
  if (auth.development) {
    console.log('\nLEDGER_AUTH_SECRET is not set: tokens are signed with a development secret that changes every start.');
    console.log('demo tokens (valid until this process stops):');
    for (const t of demoTokens(auth.secret, [...DEMO_VIEWS.slice(0, 3), DEMO_VIEWS.at(-1)!])) console.log(`  ${t.label.padEnd(16)} ${t.token}`);
  }
  console.log('\nCtrl-C stops the service.\n');
}

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}
