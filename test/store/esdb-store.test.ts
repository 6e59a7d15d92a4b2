import {
  DeadlineExceededError,
  EventStoreDBClient,
  START as ESDB_START,
  WrongExpectedVersionError as ClientWrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
  type Position as ClientPosition,
} from '@eventstore/db-client';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import * as net from 'node:net';
import {
  StoreUnavailableError,
  WrongExpectedVersionError,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
} from '../../application/ports/event-store.js';
import { EsdbEventStore } from '../../infrastructure/store/esdb-store.js';
import { startTestServer, type TestServer } from '../esdb-server/server.js';
import { eventStoreContract } from './contract.js';
import { Collector } from '../support/collector.js';
import { rejection } from '../support/rejection.js';

const reopenAt = (url: () => string) => async (store: EventStore) => {
  await store.close();
  return EsdbEventStore.connect(url());
};

describe('EsdbEventStore', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  eventStoreContract(
    'EsdbEventStore on the test server',
    () => EsdbEventStore.connect(server.url),
    reopenAt(() => server.url),
  );

  describe('on the wire (the test server as @eventstore/db-client sees it)', () => {
    let client: EventStoreDBClient;
    let store: EsdbEventStore;
    beforeEach(async () => {
      client = EventStoreDBClient.connectionString(server.url);
      store = await EsdbEventStore.connect(server.url);
    });
    afterEach(async () => {
      await store.close();
      await client.dispose();
    });

    it('the server advertises BatchAppend and the client appends through it, not through Append', async () => {
      const [batchAppends, appends] = [server.calls.batchAppend, server.calls.append];
      const result = await client.appendToStream(unique('wire-batch'), [jsonEvent({ type: 'Tested', data: {} })]);
      expect(result.nextExpectedRevision).to.equal(0n);
      expect(server.calls.batchAppend).to.equal(batchAppends + 1);
      expect(server.calls.append).to.equal(appends);
    });

    it('Append (used with per-call credentials) writes, and answers a conflict in its response with the actual revision', async () => {
      const stream = unique('wire-append');
      const appends = server.calls.append;
      // per-call credentials make the client take the Append RPC; an insecure channel ignores them
      const credentials = { username: 'admin', password: 'changeit' };
      const first = await client.appendToStream(stream, [jsonEvent({ type: 'Tested', data: { n: 1 } })], { expectedRevision: 'no_stream', credentials });
      expect(first.nextExpectedRevision).to.equal(0n);
      const error = await rejection(client.appendToStream(stream, [jsonEvent({ type: 'Tested', data: {} })], { expectedRevision: 'no_stream', credentials }));
      expect(error).to.be.instanceOf(ClientWrongExpectedVersionError);
      expect((error as ClientWrongExpectedVersionError).actualVersion).to.equal(0n);
      expect((error as ClientWrongExpectedVersionError).expectedVersion).to.equal('no_stream');
      expect(server.calls.append).to.equal(appends + 2);
    });

    it('a BatchAppend past its deadline fails with the Timeout status the client unpacks, and writes nothing', async () => {
      const stream = unique('wire-deadline');
      const error = await rejection(client.appendToStream(stream, [jsonEvent({ type: 'Tested', data: {} })], { deadline: 0 }));
      expect(error).to.be.instanceOf(DeadlineExceededError);
      expect(await store.readStream(stream)).to.deep.equal([]);
    });

    it('$maxCount hides older events; a soft delete sets $tb to long.MaxValue, a later append moves it to the new first revision', async () => {
      const stream = unique('wire-meta');
      await client.appendToStream(stream, [1, 2, 3].map((n) => jsonEvent({ type: 'Tested', data: { n } })));
      await client.setStreamMetadata(stream, { maxCount: 2 });
      expect((await store.readStream(stream)).map((e) => e.revision)).to.deep.equal([1n, 2n]);
      await client.deleteStream(stream);
      const deleted = await client.getStreamMetadata(stream);
      expect(deleted.metadata?.maxCount).to.equal(2);
      expect(deleted.metadata?.truncateBefore).to.be.greaterThan(Number.MAX_SAFE_INTEGER);
      await client.appendToStream(stream, [jsonEvent({ type: 'Tested', data: { n: 4 } })]);
      const recreated = await client.getStreamMetadata(stream);
      expect(recreated.metadata).to.deep.equal({ maxCount: 2, truncateBefore: 3 });
      expect((await store.readStream(stream)).map((e) => e.revision)).to.deep.equal([3n]);
    });

    it('metadata written to a soft-deleted stream keeps its old events hidden: the server adds $tb at the old end', async () => {
      const stream = unique('wire-meta-deleted');
      await client.appendToStream(stream, [jsonEvent({ type: 'Tested', data: {} }), jsonEvent({ type: 'Tested', data: {} })]);
      await client.deleteStream(stream);
      await client.setStreamMetadata(stream, { maxCount: 100 });
      expect((await client.getStreamMetadata(stream)).metadata).to.deep.equal({ maxCount: 100, truncateBefore: 2 });
      expect(await store.readStream(stream)).to.deep.equal([]);
    });

    it('$all carries system events (the seed $settings, $metadata, $streamDeleted); the adapter keeps them and its checkpoints out', async () => {
      const stream = unique('wire-system');
      await store.appendToStream(stream, [anEvent()]);
      await store.tombstoneStream(stream);
      await store.writeCheckpoint(unique('wire-cp'), { position: { commit: 1n, prepare: 1n }, state: {} });
      const raw: { stream: string; type: string }[] = [];
      for await (const resolved of client.readAll({ fromPosition: ESDB_START })) raw.push({ stream: resolved.event!.streamId, type: resolved.event!.type });
      expect(raw[0]).to.deep.equal({ stream: '$settings', type: '$settings' });
      expect(raw).to.deep.include({ stream, type: '$streamDeleted' });
      expect(raw.some((e) => e.type === '$metadata' && e.stream.startsWith('$$ledger-checkpoint/'))).to.equal(true);
      const visible = await store.readAll();
      expect(visible.filter((e) => e.type.startsWith('$') || e.streamName.startsWith('$') || e.streamName.startsWith('ledger-checkpoint/'))).to.deep.equal([]);
      expect(visible.filter((e) => e.streamName === stream)).to.have.length(1);
    });

    it('a filtered subscription gets a checkpoint every 32 × multiplier scanned events and one where its catch-up ends', async () => {
      const [noise, kept] = [unique('wire-noise'), unique('wire-kept')];
      const marker = await client.appendToStream(noise, [jsonEvent({ type: 'Marker', data: {} })]);
      await client.appendToStream(noise, Array.from({ length: 70 }, (_, n) => jsonEvent({ type: 'Noise', data: { n } })));
      const last = await client.appendToStream(kept, [jsonEvent({ type: 'Kept', data: {} })]);
      const noisePositions: bigint[] = [];
      for await (const resolved of client.readStream(noise, { fromRevision: 1n })) noisePositions.push(resolved.event!.position!.commit);

      const seen: string[] = [];
      const subscription = client.subscribeToAll({
        fromPosition: marker.position!,
        filter: streamNameFilter({
          prefixes: [kept],
          checkpointInterval: 1,
          checkpointReached: (_subscription: unknown, position: ClientPosition) => void seen.push(`checkpoint ${position.commit}`),
        }),
      });
      subscription.on('data', (resolved) => seen.push(`event ${resolved.event!.position.commit}`));
      await new Promise<void>((resolve, reject) => subscription.once('caughtUp', resolve).once('error', reject));
      await subscription.unsubscribe();
      expect(seen).to.deep.equal([
        `checkpoint ${noisePositions[31]}`,
        `checkpoint ${noisePositions[63]}`,
        `event ${last.position!.commit}`,
        `checkpoint ${last.position!.commit}`,
      ]);
    });

    it('BatchAppend joins the requests of one correlation id until is_final: a batch split by size is one append', async () => {
      const stream = unique('wire-split');
      const events = Array.from({ length: 5 }, (_, n) => jsonEvent({ type: 'Tested', data: { n, padding: 'x'.repeat(80) } }));
      const result = await client.appendToStream(stream, events, { expectedRevision: 'no_stream', batchAppendSize: 150 });
      expect(result.nextExpectedRevision).to.equal(4n);
      expect((await store.readStream(stream)).map((e) => (e.data as { n: number }).n)).to.deep.equal([0, 1, 2, 3, 4]);
    });

    it('Gossip names the server as the single live leader, so esdb+discover:// connects too', async () => {
      const gossips = server.calls.gossip;
      const discovered = await EsdbEventStore.connect(`esdb+discover://127.0.0.1:${server.port}?tls=false`);
      try {
        const stream = unique('wire-discover');
        await discovered.appendToStream(stream, [anEvent()]);
        expect(await discovered.readStream(stream)).to.have.length(1);
        expect(server.calls.gossip).to.be.greaterThan(gossips);
      } finally {
        await discovered.close();
      }
    });

    it('checkpoints live in a stream with $maxCount 1 and are written with an expected revision: a stale writer conflicts', async () => {
      const name = unique('wire-cp');
      const other = await EsdbEventStore.connect(server.url);
      try {
        await store.writeCheckpoint(name, { position: { commit: 1n, prepare: 1n }, state: { n: 1 } });
        expect(await other.readCheckpoint(name)).to.deep.equal({ position: { commit: 1n, prepare: 1n }, state: { n: 1 } });
        await store.writeCheckpoint(name, { position: { commit: 2n, prepare: 2n }, state: { n: 2 } });
        const stale = await rejection(other.writeCheckpoint(name, { position: { commit: 3n, prepare: 3n }, state: { n: 3 } }));
        expect(stale).to.be.instanceOf(WrongExpectedVersionError);
        expect((await client.getStreamMetadata(`ledger-checkpoint/${name}`)).metadata).to.deep.equal({ maxCount: 1 });
        const visible: bigint[] = [];
        for await (const resolved of client.readStream(`ledger-checkpoint/${name}`)) visible.push(resolved.event!.revision);
        expect(visible).to.deep.equal([1n]);
        // the stale writer read the revision again after its conflict, so its next write lands
        await other.writeCheckpoint(name, { position: { commit: 3n, prepare: 3n }, state: { n: 3 } });
        expect(await store.readCheckpoint(name)).to.deep.equal({ position: { commit: 3n, prepare: 3n }, state: { n: 3 } });
      } finally {
        await other.close();
      }
    });
  });

  it('an append over the server\'s maximum append size fails with a RangeError that says to split it', async () => {
    const small = await startTestServer({ maxAppendSize: 1_000 });
    const store = await EsdbEventStore.connect(small.url);
    try {
      const stream = unique('too-big');
      const error = await rejection(store.appendToStream(stream, [{ ...anEvent(), data: { text: 'x'.repeat(2_000) } }]));
      expect(error).to.be.instanceOf(RangeError);
      expect((error as Error).message).to.match(/maximum append size of 1000 bytes: split the events/);
      expect(await store.readStream(stream)).to.deep.equal([]);
    } finally {
      await store.close();
      await small.close();
    }
  });

  it('an append of several MB is refused for its size as a real server refuses it, not reported as an outage', async () => {
    // EventStoreDB accepts gRPC messages far above gRPC's default 4 MB and answers with its append limit
    const store = await EsdbEventStore.connect(server.url);
    try {
      const stream = unique('huge');
      const error = await rejection(store.appendToStream(stream, [{ ...anEvent(), data: { text: 'x'.repeat(6 * 1024 * 1024) } }]));
      expect(error).to.be.instanceOf(RangeError);
      expect((error as Error).message).to.match(/maximum append size of 1048576 bytes/);
      expect(await store.readStream(stream)).to.deep.equal([]);
    } finally {
      await store.close();
    }
  });

  describe('connection faults', () => {
    it('connect fails with StoreUnavailableError naming the address when nothing listens there', async () => {
      const gone = await startTestServer();
      await gone.close();
      const error = await rejection(EsdbEventStore.connect(gone.url));
      expect(error).to.be.instanceOf(StoreUnavailableError);
      expect((error as Error).message).to.contain(`127.0.0.1:${gone.port}`).and.to.match(/check that the server is running/);
    });

    it('a server that accepts connections but never answers fails the call after the deadline instead of hanging', async () => {
      const sockets = new Set<net.Socket>();
      const silent = net.createServer((socket) => void sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as net.AddressInfo).port;
      try {
        const started = Date.now();
        const error = await rejection(EsdbEventStore.connect(`esdb://127.0.0.1:${port}?tls=false`, { operationTimeoutMs: 300 }));
        expect(error).to.be.instanceOf(StoreUnavailableError);
        expect((error as Error).message).to.match(/no answer within 300 ms/);
        expect(Date.now() - started).to.be.below(5_000);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    describe('the server stops while a subscription runs and restarts on the same port', () => {
      let faulty: TestServer;
      let store: EsdbEventStore;
      beforeEach(async () => {
        faulty = await startTestServer();
        store = await EsdbEventStore.connect(`${faulty.url}&defaultDeadline=2000`, { reconnect: { minDelayMs: 10, maxDelayMs: 100 } });
      });
      afterEach(async () => {
        await store.close();
        await faulty.close();
      });

      it('appends during the outage fail fast with StoreUnavailableError; the subscription resumes with no event missed or repeated', async () => {
        const stream = unique('fault');
        const [e1, e2, e3, e4, e5, e6] = Array.from({ length: 6 }, () => anEvent());
        await store.appendToStream(stream, [e1!, e2!]);
        const collector = new Collector();
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, collector.handler);
        await subscription.caughtUp;
        await store.appendToStream(stream, [e3!]);
        await collector.until(3, subscription);

        await faulty.stop();
        const started = Date.now();
        const outage = await rejection(store.appendToStream(stream, [anEvent()]));
        expect(outage).to.be.instanceOf(StoreUnavailableError);
        expect((outage as Error).message).to.match(new RegExp(`EventStoreDB at 127\\.0\\.0\\.1:${faulty.port} is unavailable while appending to ${stream}`));
        expect(Date.now() - started).to.be.below(2_000);
        // written meanwhile by another node of the cluster: the resumed subscription must catch it up
        faulty.data.append(stream, 'any', [proposed(e4!)]);

        await faulty.start();
        await appendOnceReachable(store, stream, [e5!]);
        await collector.until(5, subscription);
        await store.appendToStream(stream, [e6!]);
        await collector.until(6, subscription);
        expect(collector.ids()).to.deep.equal([e1, e2, e3, e4, e5, e6].map((e) => e!.id));
        expectAscending(collector.events);
        await subscription.close();
        await subscription.done;
      });

      it('a drop while the handler holds a batch: that batch completes, then delivery resumes right after it', async () => {
        const stream = unique('fault-busy');
        const [e1, e2, e3] = Array.from({ length: 3 }, () => anEvent());
        const gate = deferred();
        const holding = deferred();
        const collector = new Collector();
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, async (batch) => {
          collector.handler(batch);
          if (collector.events.length === 1) {
            holding.resolve();
            await gate.promise;
          }
        });
        await subscription.caughtUp;
        await store.appendToStream(stream, [e1!]);
        await holding.promise;
        await faulty.stop();
        faulty.data.append(stream, 'any', [proposed(e2!)]);
        gate.resolve();
        await faulty.start();
        await appendOnceReachable(store, stream, [e3!]);
        await collector.until(3, subscription);
        expect(collector.ids()).to.deep.equal([e1, e2, e3].map((e) => e!.id));
        await subscription.close();
      });
    });
  });

  describe('against a real EventStoreDB (ESDB_URL)', function () {
    before(function () {
      if (!process.env.ESDB_URL) {
        console.log('      skipped: set ESDB_URL (e.g. esdb://127.0.0.1:2113?tls=false) to run the contract against a real EventStoreDB');
        this.skip();
      }
    });
    eventStoreContract(
      'EsdbEventStore on ESDB_URL',
      () => EsdbEventStore.connect(process.env.ESDB_URL!),
      reopenAt(() => process.env.ESDB_URL!),
    );
  });
});

/** After a restart the client reconnects on its next call; retry while it still reports the outage. */
async function appendOnceReachable(store: EventStore, stream: string, events: EventToAppend[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await store.appendToStream(stream, events);
      return;
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || attempt >= 20) throw error;
    }
  }
}

function proposed(event: EventToAppend) {
  return {
    id: event.id,
    type: event.type,
    contentType: 'application/json',
    data: Buffer.from(JSON.stringify(event.data)),
    customMetadata: Buffer.from(JSON.stringify(event.metadata)),
  };
}

function unique(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

function anEvent(): EventToAppend {
  return { id: randomUUID(), type: 'Tested', data: { n: 1 }, metadata: {} };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function expectAscending(events: readonly RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    const [a, b] = [events[i - 1]!.position, events[i]!.position];
    expect(a.commit < b.commit || (a.commit === b.commit && a.prepare < b.prepare)).to.equal(true);
  }
}

/** Records what a subscription delivers, so a test can await a count instead of sleeping. */
