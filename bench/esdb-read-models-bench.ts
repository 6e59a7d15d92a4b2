/**
 * EventStoreDB (the test server) with read models in PostgreSQL (issue 9.3): commands in
 * sequence on the projector's process and on another process (each resolves once the projector's
 * committed checkpoint passed it), against the same commands with read models in process; a read
 * in the other process right after each write; and how long a takeover takes (the holder's lease
 * session ended, until a command in the other ledger resolves).
 * `node dist/bench/esdb-read-models-bench.js [commands]`; PG_URL, or an embedded PostgreSQL.
 */
import { pathToFileURL } from 'node:url';
import { createLedger } from '../infrastructure/create-ledger.js';
import type { Ledger } from '../application/api/ledger.js';
import { startTestServer } from '../test/esdb-server/server.js';
import { p2p } from '../test/support/messages.js';
import { freshPostgresUrl, stopPostgres, withClient } from '../test/support/postgres.js';

const T0 = 1_700_000_000_000;

export interface EsdbReadModelFigures {
  readonly commands: number;
  /** ms per command, p50 and p99 */
  readonly inProcess: Timing;
  readonly projectorProcess: Timing;
  readonly otherProcess: Timing;
  /** a read in the projector's process right after a command in the other was acknowledged */
  readonly readAcross: Timing;
  readonly takeoverMs: number;
}

interface Timing {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function timing(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(2));
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** each call's time, or the time it returns (a part of it) */
async function timed(commands: number, work: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < commands; i++) {
    const started = performance.now();
    const part = await work(i);
    times.push(typeof part === 'number' ? part : performance.now() - started);
  }
  return times;
}

export async function run(commands = 300): Promise<EsdbReadModelFigures> {
  const server = await startTestServer();
  const readModels = await freshPostgresUrl();
  const clock = { now: T0 };
  const open: Ledger[] = [];
  try {
    const plain = await createLedger({ store: server.url, clock: () => clock.now });
    open.push(plain);
    const inProcess = await timed(commands, (i) => plain.account('plain').receiveMessage(p2p(`u${i % 50}`, 'plain', ++clock.now)));
    const a = await createLedger({ store: server.url, readModels, clock: () => clock.now });
    open.push(a);
    await a.account('warm').receiveMessage(p2p('u', 'warm', ++clock.now));
    const b = await createLedger({ store: server.url, readModels, clock: () => clock.now });
    open.push(b);
    const projectorProcess = await timed(commands, (i) => a.account('alice').receiveMessage(p2p(`u${i % 50}`, 'alice', ++clock.now)));
    const otherProcess = await timed(commands, (i) => b.account('bob').receiveMessage(p2p(`u${i % 50}`, 'bob', ++clock.now)));
    const readAcross = await timed(Math.min(commands, 100), async (i) => {
      await b.account('carol').receiveMessage(p2p(`u${i}`, 'carol', ++clock.now));
      const started = performance.now();
      const seen = await a.account('carol').getLocalSession({ sessionId: `p2p-u${i}` });
      if (!seen) throw new Error('a read across processes missed an acknowledged write');
      return performance.now() - started;
    });
    const schema = new URL(readModels).searchParams.get('options')!.split('=')[1]!;
    const started = performance.now();
    await withClient(readModels, (c) => c.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND (classid::bigint << 32 | objid::bigint) = (hashtextextended($1, 0) & x'ffffffffffffffff'::bigint)`,
      [`session-ledger-lease:${schema}:read-model-projector`],
    ));
    await b.account('dave').receiveMessage(p2p('u', 'dave', ++clock.now));
    const takeoverMs = Number((performance.now() - started).toFixed(1));
    return { commands, inProcess: timing(inProcess), projectorProcess: timing(projectorProcess), otherProcess: timing(otherProcess), readAcross: timing(readAcross), takeoverMs };
  } finally {
    await Promise.all(open.map((l) => l.close()));
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const commands = Number(process.argv[2] ?? 300);
  run(commands).then((figures) => console.log(JSON.stringify(figures, null, 2))).finally(() => stopPostgres());
}
