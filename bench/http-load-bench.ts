/**
 * `npm run bench:http`: the HTTP service under autocannon on 127.0.0.1, and how many live SSE
 * connections one process holds. The service runs in a child process (sqlite store in a temp
 * dir, no rate limit) so its memory is measured apart from the load generator's.
 * Bounded: BENCH_SECONDS (default 5) per autocannon run, BENCH_SSE (default 2000) connections.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { signToken } from '../infrastructure/http/auth.js';
import { silentLogger } from '../infrastructure/http/logger.js';
import { createService, openServiceLedger } from '../infrastructure/http/server.js';
import { RegisterDevice, SendMessage } from '../application/commands/index.js';

const SECRET = 'bench-secret';
const ACCOUNTS = 200;
const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const sseTarget = Number(process.env['BENCH_SSE'] ?? 2000);

interface Memory { rss: number; heapUsed: number }

/** The child: the service on a fresh sqlite store, seeded, answering memory probes over IPC. */
async function serveChild(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'http-bench-'));
  const { ledger, store } = await openServiceLedger(`sqlite:${join(dir, 'ledger.sqlite')}`);
  for (let a = 0; a < ACCOUNTS; a++) await ledger.commands.dispatch(new RegisterDevice({ account: `user${a}`, device: 'phone' }));
  for (let i = 0; i < 2000; i++) {
    const from = `user${(i * 7) % ACCOUNTS}`;
    const to = `user${i % 20}`;
    if (from !== to) await ledger.commands.dispatch(new SendMessage({ account: from, device: 'phone', message: { scene: 'p2p', from, to, idClient: `seed-${i}`, type: 'text', text: 'hi', time: 1_700_000_000_000 + i } }));
  }
  const service = await createService({ ledger, store, auth: { secret: SECRET, development: false }, logger: silentLogger, rateLimit: false, live: { heartbeatMs: 60_000 } });
  const url = await service.listen(0, '127.0.0.1');
  process.on('message', (m: { type: string }) => {
    if (m.type === 'memory') {
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      process.send!({ type: 'memory', memory: { rss, heapUsed }, connections: service.live.connections });
    } else if (m.type === 'stop') {
      void service.close().then(() => ledger.close()).then(() => { rmSync(dir, { recursive: true, force: true }); process.exit(0); });
    }
  });
  process.send!({ type: 'ready', url });
}

function ask<T>(child: ChildProcess, type: string, answer: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== answer) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send({ type });
  });
}

async function load(title: string, options: autocannon.Options): Promise<void> {
  const result = await autocannon({ connections: 16, duration: seconds, ...options });
  const errors = result.non2xx + result.errors + result.timeouts;
  console.log(`  ${title.padEnd(44)} ${result.requests.average.toFixed(0).padStart(6)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   (${result.requests.total} requests, ${errors} errors)`);
}

/** Opens one SSE connection and resolves once its first event arrived. */
function openLive(url: string, account: string): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/accounts/${account}/live?device=phone`, { headers: { authorization: `Bearer ${signToken(SECRET, { sub: account, device: 'phone' })}` }, agent: false }, (res) => {
      res.once('data', () => resolve(() => req.destroy()));
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; ${seconds} s per run, 16 connections, sqlite store\n`);
  const child = fork(new URL(import.meta.url).pathname, ['child'], { execArgv: ['--expose-gc'] });
  try {
    const { url } = await ask<{ url: string }>(child, 'none', 'ready');
    const token = signToken(SECRET, { sub: 'user1', device: 'phone' });
    const auth = { authorization: `Bearer ${token}` };
    const probe = () => ask<{ memory: Memory; connections: number }>(child, 'memory', 'memory');
    const closers: (() => void)[] = [];
    const started = performance.now();
    const deadline = started + 60_000;
    /** Opens connections up to `count`, 100 at a time, the i-th on view user(i mod ACCOUNTS). */
    const openUpTo = async (count: number) => {
      while (closers.length < count && performance.now() < deadline) {
        const from = closers.length;
        closers.push(...(await Promise.all(Array.from({ length: Math.min(100, count - from) }, (_, k) => openLive(url, `user${(from + k) % ACCOUNTS}`)))));
      }
    };
    const before = await probe();
    await openUpTo(ACCOUNTS); // one per device view: what a followed view costs
    const views = await probe();
    await openUpTo(Math.max(sseTarget, ACCOUNTS + 1));
    const after = await probe();
    const kib = (bytes: number, per: number) => (bytes / per / 1024).toFixed(1);
    const extra = after.connections - views.connections;
    console.log('live SSE connections in one process (measured first, before load grows the heap)');
    console.log(`  ${after.connections} connections over ${ACCOUNTS} device views opened in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log(`  server memory: rss ${(before.memory.rss / 2 ** 20).toFixed(0)} → ${(after.memory.rss / 2 ** 20).toFixed(0)} MiB, heap ${(before.memory.heapUsed / 2 ** 20).toFixed(0)} → ${(after.memory.heapUsed / 2 ** 20).toFixed(0)} MiB`);
    console.log(`  per followed view (its first connection): ${kib(views.memory.heapUsed - before.memory.heapUsed, ACCOUNTS)} KiB heap, ${kib(views.memory.rss - before.memory.rss, ACCOUNTS)} KiB rss`);
    console.log(`  per further connection: ${kib(after.memory.heapUsed - views.memory.heapUsed, extra)} KiB heap, ${kib(after.memory.rss - views.memory.rss, extra)} KiB rss`);
    for (const close of closers) close();
    console.log('\nHTTP load (autocannon on 127.0.0.1)');
    await load('GET sessions (limit 20)', { url: `${url}/v1/accounts/user1/sessions?limit=20`, headers: auth });
    let n = 0;
    await load('POST /v1/commands/SendMessage', {
      url: `${url}/v1/commands/SendMessage`, method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
      requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ message: { scene: 'p2p', from: 'user1', to: `user${2 + (n % 150)}`, idClient: `bench-${n++}`, type: 'text', text: 'load', time: 1_800_000_000_000 + n } }) }) }],
    });

  } finally {
    child.send({ type: 'stop' });
    await new Promise((r) => child.once('exit', r));
  }
}

if (process.argv[2] === 'child') await serveChild();
else await main();
