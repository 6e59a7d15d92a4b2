/**
 * A quick figure, not part of `npm run bench`: appends per second through the EventStoreDB store against
 * the wire-compatible test server (test/esdb-server/), one at a time and with 64 in flight. Run
 * after a build:
 *   node dist/bench/esdb-throughput.js [sequential=2000] [concurrent=20000]
 */
import { randomUUID } from 'node:crypto';
import { openStore } from '../infrastructure/create-ledger.js';
import { startTestServer } from '../test/esdb-server/server.js';

const sequential = Number(process.argv[2] ?? 2_000);
const concurrent = Number(process.argv[3] ?? 20_000);
const inFlight = 64;

const server = await startTestServer();
const store = await openStore(server.url);
const event = () => ({ id: randomUUID(), type: 'Measured', data: { text: 'hello', n: 1 }, metadata: { correlationId: randomUUID() } });

try {
  // warm-up: the BatchAppend stream, JIT
  for (let i = 0; i < 200; i++) await store.appendToStream(`warm-${i % 10}`, [event()]);

  let started = performance.now();
  for (let i = 0; i < sequential; i++) await store.appendToStream(`seq-${i % 100}`, [event()]);
  const sequentialRate = sequential / ((performance.now() - started) / 1000);

  started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async (_, worker) => {
      while (next < concurrent) {
        next += 1;
        await store.appendToStream(`par-${worker}`, [event()]);
      }
    }),
  );
  const concurrentRate = concurrent / ((performance.now() - started) / 1000);

  console.log(`sequential: ${sequential} appends, ${Math.round(sequentialRate)} appends/s`);
  console.log(`${inFlight} in flight: ${concurrent} appends, ${Math.round(concurrentRate)} appends/s`);
} finally {
  await store.close();
  await server.close();
}
