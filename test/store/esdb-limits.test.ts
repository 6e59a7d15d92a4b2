import { EventStoreDBClient, MaxAppendSizeExceededError, binaryEvent } from '@eventstore/db-client';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { EsdbEventStore } from '../../infrastructure/store/esdb/esdb-store.js';
import { startTestServer, type TestServer } from '../esdb-server/server.js';
import { rejection } from '../support/rejection.js';

const MiB = 1_048_576;
const credentials = { username: 'admin', password: 'changeit' }; // makes the client take Streams/Append

/** an event of exactly `size` bytes as EventStoreDB counts them: data + metadata + 2 × type length */
function sized(size: number, type = 'Sized') {
  const metadata = Math.min(100, size - type.length * 2);
  return binaryEvent({ type, data: new Uint8Array(size - metadata - type.length * 2), metadata: new Uint8Array(metadata) });
}

// Issue 9: the test server must refuse what a real EventStoreDB refuses, as it refuses it, and the
// adapter must name the cause. EventStoreDB counts an event as data + custom metadata bytes + twice
// its type's length (Event.SizeOnDisk) and refuses an append whose events add up to more than
// MaxAppendSize (1 MiB by default; exactly 1 MiB is taken). KurrentDB 24.10 added MaxAppendEventSize
// per event, unlimited by default.
describe('issue 9: the EventStoreDB test server enforces the real server\'s default limits', () => {
  let server: TestServer;
  let client: EventStoreDBClient;
  before(async () => {
    server = await startTestServer();
    client = EventStoreDBClient.connectionString(server.url);
  });
  after(async () => {
    await client?.dispose();
    await server?.close();
  });

  for (const rpc of ['batchAppend', 'append'] as const) {
    const options = rpc === 'append' ? { credentials } : {};
    it(`issue 9 ${rpc}: an append of exactly 1 MiB (type counted twice) is taken, one byte more is refused with MaximumAppendSizeExceeded`, async () => {
      const calls = server.calls[rpc];
      const refused = server.refusedAppends;
      const stream = `limit-${randomUUID()}`;
      await client.appendToStream(stream, [sized(MiB / 2), sized(MiB / 2, 'OtherType')], options);
      const error = await rejection(client.appendToStream(stream, [sized(MiB / 2), sized(MiB / 2 + 1)], options));
      expect(error).to.be.instanceOf(MaxAppendSizeExceededError);
      expect((error as MaxAppendSizeExceededError).maxAppendSize).to.equal(MiB);
      // the types are what tip it: data and metadata alone take 1 MiB less 39 bytes
      const byType = await rejection(client.appendToStream(stream, [sized(MiB - 19, 'TenLetters'), sized(20, 'TenLetters')], options));
      expect(byType).to.be.instanceOf(MaxAppendSizeExceededError);
      expect(server.calls[rpc]).to.be.greaterThan(calls);
      expect(server.refusedAppends - refused).to.equal(2);
      const events: unknown[] = [];
      for await (const e of client.readStream(stream)) events.push(e.event?.type);
      expect(events).to.deep.equal(['Sized', 'OtherType']);
    });
  }

  it('issue 9 with MaxAppendEventSize set, an event over it is refused with the server\'s words, and the adapter names the limit', async () => {
    const strict = await startTestServer({ maxAppendEventSize: 1_000 });
    const strictClient = EventStoreDBClient.connectionString(strict.url);
    const store = await EsdbEventStore.connect(strict.url);
    try {
      const unary = await rejection(strictClient.appendToStream('s', [sized(1_001)], { credentials }));
      expect((unary as Error).message).to.match(/Event with Id: [0-9a-f-]+, Size: 1001, exceeds Maximum Append Event Size of 1000\./);
      await strictClient.appendToStream('s', [sized(1_000)], { credentials });
      const error = await rejection(store.appendToStream('t', [{ id: randomUUID(), type: 'T', data: { text: 'x'.repeat(2_000) }, metadata: {} }]));
      expect(error).to.be.instanceOf(RangeError);
      expect((error as Error).message).to.match(/^appending to t was refused: maximum append event size exceeded/);
      expect(strict.refusedAppends).to.equal(2);
    } finally {
      await store.close();
      await strictClient.dispose();
      await strict.close();
    }
  });

  it('issue 9 the adapter refuses an append over the maximum before sending it, naming the cause; a command beside it on the connection goes through', async () => {
    const store = await EsdbEventStore.connect(server.url);
    try {
      const refused = server.refusedAppends;
      const stream = `beside-${randomUUID()}`;
      const big = { id: randomUUID(), type: 'Big', data: { text: 'x'.repeat(MiB) }, metadata: {} };
      const small = { id: randomUUID(), type: 'Small', data: { n: 1 }, metadata: {} };
      const [tooBig, fine] = await Promise.allSettled([store.appendToStream(`${stream}-a`, [big]), store.appendToStream(`${stream}-b`, [small])]);
      expect(tooBig.status).to.equal('rejected');
      const error = (tooBig as PromiseRejectedResult).reason as Error;
      expect(error).to.be.instanceOf(RangeError);
      expect(error.message).to.match(new RegExp(`^appending to ${stream}-a: maximum append size exceeded \\(its events take 10485\\d\\d bytes as EventStoreDB counts them`));
      expect(error.message).to.not.match(/unavailable|check that the server is running/);
      expect(fine.status).to.equal('fulfilled');
      expect(server.refusedAppends).to.equal(refused); // never sent
      expect((await store.readStream(`${stream}-b`)).map((e) => e.type)).to.deep.equal(['Small']);
    } finally {
      await store.close();
    }
  });

  it('issue 9 an append the server refuses (its limit set lower than the adapter\'s) fails alone with the server\'s cause, not as an outage', async () => {
    const small = await startTestServer({ maxAppendSize: 10_000 });
    const store = await EsdbEventStore.connect(small.url);
    try {
      const [tooBig, fine] = await Promise.allSettled([
        store.appendToStream('a', [{ id: randomUUID(), type: 'Big', data: { text: 'x'.repeat(20_000) }, metadata: {} }]),
        store.appendToStream('b', [{ id: randomUUID(), type: 'Small', data: { n: 1 }, metadata: {} }]),
      ]);
      expect(((tooBig as PromiseRejectedResult).reason as Error).message).to.equal(
        "appending to a: maximum append size exceeded; it exceeds the server's maximum append size of 10000 bytes: split the events into smaller appends",
      );
      expect(fine.status).to.equal('fulfilled');
      expect(small.refusedAppends).to.equal(1);
    } finally {
      await store.close();
      await small.close();
    }
  });
});
