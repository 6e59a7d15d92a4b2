import { parseArgs } from 'node:util';
import { authFromEnvironment, demoTokens } from '../http/auth.js';
import { DEMO_ACCOUNTS, DEMO_DEVICE, DemoTraffic } from '../http/demo-traffic.js';
import { jsonLogger } from '../http/logger.js';
import { createService, openServiceLedger } from '../http/server.js';
import { GetLocalSessions } from '../../application/queries/session-queries.js';
import { DEFAULT_STORE } from '../create-ledger.js';

export const SERVE_USAGE = 'session-ledger serve [--port 8080] [--host 127.0.0.1] [--store <url>] [--demo]';

function port(raw: string | undefined): number {
  const n = Number(raw ?? process.env['PORT'] ?? 8080);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be a whole number from 0 to 65535; got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * The HTTP service until SIGINT or SIGTERM. `--demo` seeds demo traffic into an empty store and
 * offers the inbox's "simulate traffic" control.
 */
export async function serve(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { port: { type: 'string' }, host: { type: 'string' }, store: { type: 'string' }, demo: { type: 'boolean' } } });
  if (positionals.length > 0) throw new Error(`unexpected argument ${JSON.stringify(positionals[0])}; usage: ${SERVE_USAGE}`);
  const storeUrl = values.store ?? process.env['LEDGER_STORE'] ?? DEFAULT_STORE;
  const logger = jsonLogger();
  const auth = authFromEnvironment();
  const { ledger, store } = await openServiceLedger(storeUrl);
  const traffic = values.demo ? new DemoTraffic(ledger) : undefined;
  if (traffic) {
    const seeded = (await ledger.queries.execute(new GetLocalSessions({ account: DEMO_ACCOUNTS[0], device: DEMO_DEVICE, limit: 1 }))).sessions.length > 0;
    if (!seeded) {
      await traffic.register();
      const commands = await traffic.run(150);
      logger.info('seeded demo data', { store: storeUrl, commands });
    }
  }
  const service = await createService({ ledger, store, auth, logger, ...(traffic && { demo: traffic }) });
  const url = await service.listen(port(values.port), values.host ?? '127.0.0.1');
  logger.info('listening', { url, store: storeUrl, position: ledger.position() });
  console.log(`\nsession-ledger serving ${storeUrl} at ${url}\n  inbox: ${url}/   API: ${url}/openapi.json   metrics: ${url}/metrics`);
  if (auth.development) {
    logger.warn('LEDGER_AUTH_SECRET is not set: signing tokens with a development secret that changes every start');
    console.log('\ndemo tokens (valid until this process stops):');
    for (const t of demoTokens(auth.secret, DEMO_ACCOUNTS.slice(0, 3), DEMO_DEVICE)) console.log(`  ${t.label.padEnd(16)} ${t.token}`);
  }
  console.log('\nCtrl-C stops the service.\n');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info('stopping', { signal });
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await service.close();
  await ledger.close();
  logger.info('stopped', { position: ledger.position() });
}
