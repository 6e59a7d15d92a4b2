/**
 * A writer OS process for the PostgreSQL race tests: `node pg-writer-child.js <url> <mode> [n]`.
 * mode `open` opens (and so creates) the store and closes it; mode `write` runs 8 concurrent
 * writers, each appending n batches of two events to a stream of its own. Prints one JSON line.
 */
import { randomUUID } from 'node:crypto';
import { PgEventStore } from '../../infrastructure/store/postgres/pg-event-store.js';

const [url, mode, count] = process.argv.slice(2);
const WRITERS = 8;

async function main(): Promise<unknown> {
  const store = await PgEventStore.connect(url!, { poolSize: 4 });
  try {
    if (mode !== 'write') return { opened: true };
    const n = Number(count);
    let events = 0;
    await Promise.all(Array.from({ length: WRITERS }, async (_, writer) => {
      for (let i = 0; i < n; i++) {
        const batch = [0, 1].map((k) => ({ id: randomUUID(), type: 'Raced', data: { pid: process.pid, writer, i, k }, metadata: {} }));
        await store.appendToStream(`child-${process.pid}-${writer}`, batch, { expectedRevision: i === 0 ? 'no_stream' : BigInt(2 * i - 1) });
        events += 2;
      }
    }));
    return { events };
  } finally {
    await store.close();
  }
}

main().then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
    process.exitCode = 1;
  },
);
