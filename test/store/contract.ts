import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import {
  START,
  StoreClosedError,
  StreamDeletedError,
  WrongExpectedVersionError,
  comparePositions,
  type EventFilter,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
  type Subscription,
} from '../../application/ports/event-store.js';
import { Collector } from '../support/collector.js';
import { rejection } from '../support/rejection.js';

/** Opens a store for one test; the contract closes it afterwards. */
export type OpenStore = () => Promise<EventStore>;
/** Closes `store` and opens the same storage again. */
export type ReopenStore = (store: EventStore) => Promise<EventStore>;

/**
 * The EventStore port's semantics (EventStoreDB's), run against every adapter. Tests touch only
 * streams, event types and checkpoints named with a random suffix, so they also pass against a
 * server that keeps data between tests, and they wait on promises, never on time.
 */
export function eventStoreContract(name: string, open: OpenStore, reopen?: ReopenStore): void {
  describe(`${name} honours the EventStore contract`, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('appendToStream', () => {
      it('numbers revisions from 0 in each stream and answers with the last revision and its position', async () => {
        const stream = unique('order');
        const first = await store.appendToStream(stream, [anEvent(), anEvent()], { expectedRevision: 'no_stream' });
        const second = await store.appendToStream(stream, [anEvent()], { expectedRevision: 1n });
        const read = await store.readStream(stream);
        expect(read.map((e) => e.revision)).to.deep.equal([0n, 1n, 2n]);
        expect(first.nextExpectedRevision).to.equal(1n);
        expect(second.nextExpectedRevision).to.equal(2n);
        expect(read[1]!.position).to.deep.equal(first.position);
        expect(read[2]!.position).to.deep.equal(second.position);
      });

      it("'any', the default, appends whether or not the stream exists", async () => {
        const stream = unique('any');
        expect((await store.appendToStream(stream, [anEvent()])).nextExpectedRevision).to.equal(0n);
        expect((await store.appendToStream(stream, [anEvent()], { expectedRevision: 'any' })).nextExpectedRevision).to.equal(1n);
      });

      it("'no_stream' conflicts once the stream has events and reports its last revision", async () => {
        const stream = unique('nostream');
        await store.appendToStream(stream, [anEvent(), anEvent()], { expectedRevision: 'no_stream' });
        const error = await conflict(store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' }), 1n);
        expect(error.streamName).to.equal(stream);
        expect(error.expected).to.equal('no_stream');
      });

      it("'stream_exists' conflicts with a missing stream (actual 'no_stream') and appends to an existing one", async () => {
        const stream = unique('exists');
        await conflict(store.appendToStream(stream, [anEvent()], { expectedRevision: 'stream_exists' }), 'no_stream');
        await store.appendToStream(stream, [anEvent()]);
        expect((await store.appendToStream(stream, [anEvent()], { expectedRevision: 'stream_exists' })).nextExpectedRevision).to.equal(1n);
      });

      it('an exact expected revision must be the revision of the last event; a conflict writes nothing', async () => {
        const stream = unique('exact');
        await conflict(store.appendToStream(stream, [anEvent()], { expectedRevision: 0n }), 'no_stream');
        await store.appendToStream(stream, [anEvent(), anEvent()]);
        await conflict(store.appendToStream(stream, [anEvent()], { expectedRevision: 0n }), 1n);
        await conflict(store.appendToStream(stream, [anEvent()], { expectedRevision: 5n }), 1n);
        expect(await store.readStream(stream)).to.have.length(2);
        expect((await store.appendToStream(stream, [anEvent()], { expectedRevision: 1n })).nextExpectedRevision).to.equal(2n);
      });

      it('an empty batch only checks the expectation: -1n for a stream without events, nothing written', async () => {
        const stream = unique('empty');
        expect((await store.appendToStream(stream, [], { expectedRevision: 'no_stream' })).nextExpectedRevision).to.equal(-1n);
        await conflict(store.appendToStream(stream, [], { expectedRevision: 'stream_exists' }), 'no_stream');
        expect(await store.readStream(stream)).to.deep.equal([]);
        const written = await store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });
        expect(await store.appendToStream(stream, [], { expectedRevision: 0n })).to.deep.equal(written);
        await conflict(store.appendToStream(stream, [], { expectedRevision: 3n }), 0n);
        expect(await store.readStream(stream)).to.have.length(1);
      });

      it('positions strictly increase in commit order, across streams', async () => {
        const [a, b] = [unique('pos-a'), unique('pos-b')];
        const results = [
          await store.appendToStream(a, [anEvent()]),
          await store.appendToStream(b, [anEvent(), anEvent()]),
          await store.appendToStream(a, [anEvent()]),
        ];
        const positions = [...(await store.readStream(a)), ...(await store.readStream(b))].map((e) => e.position).sort(comparePositions);
        expect(positions).to.have.length(4);
        for (let i = 1; i < positions.length; i++) expect(comparePositions(positions[i - 1]!, positions[i]!)).to.equal(-1);
        expect(comparePositions(results[0]!.position, results[1]!.position)).to.equal(-1);
        expect(comparePositions(results[1]!.position, results[2]!.position)).to.equal(-1);
      });

      it('keeps id, type, stream name, data and metadata as given (JSON values)', async () => {
        const stream = unique('json');
        const appended: EventToAppend = {
          id: randomUUID(),
          type: 'MessageReceived',
          data: { text: 'héllo 👋', count: 3, ratio: 0.5, flags: [true, false], nested: { none: null, list: [{ a: 1 }] } },
          metadata: { correlationId: 'c-1', at: 1_700_000_000_000 },
        };
        await store.appendToStream(stream, [appended]);
        const [read] = await store.readStream(stream);
        expect({ id: read!.id, type: read!.type, streamName: read!.streamName, data: read!.data, metadata: read!.metadata }).to.deep.equal({
          id: appended.id,
          type: appended.type,
          streamName: stream,
          data: appended.data,
          metadata: appended.metadata,
        });
      });
    });

    describe('idempotent appends (by event id)', () => {
      it('repeating a batch at the same exact expected revision writes nothing and answers as the first time', async () => {
        const stream = unique('idem-exact');
        await store.appendToStream(stream, [anEvent()]);
        const batch = [anEvent(), anEvent()];
        const first = await store.appendToStream(stream, batch, { expectedRevision: 0n });
        expect(await store.appendToStream(stream, batch, { expectedRevision: 0n })).to.deep.equal(first);
        expect(await store.readStream(stream)).to.have.length(3);
      });

      it("repeating a stream's first batch with 'no_stream' writes nothing and answers as the first time", async () => {
        const stream = unique('idem-new');
        const batch = [anEvent(), anEvent()];
        const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        expect(await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' })).to.deep.equal(first);
        expect(await store.readStream(stream)).to.have.length(2);
      });

      it("with 'any', a batch already in the stream writes nothing and answers as of its own last event", async () => {
        const stream = unique('idem-any');
        const [a, b, c] = [anEvent(), anEvent(), anEvent()];
        await store.appendToStream(stream, [a, b, c]);
        const read = await store.readStream(stream);
        expect(await store.appendToStream(stream, [a, b])).to.deep.equal({ nextExpectedRevision: 1n, position: read[1]!.position });
        expect(await store.appendToStream(stream, [b, c], { expectedRevision: 'any' })).to.deep.equal({ nextExpectedRevision: 2n, position: read[2]!.position });
        expect(await store.readStream(stream)).to.have.length(3);
      });

      it('a batch whose first id was written but which is not a full match at the same place conflicts', async () => {
        const stream = unique('idem-partial');
        const [a, b] = [anEvent(), anEvent()];
        await store.appendToStream(stream, [a, b]);
        await conflict(store.appendToStream(stream, [a, anEvent()]), 1n);
        await conflict(store.appendToStream(stream, [a, b, anEvent()], { expectedRevision: 'no_stream' }), 1n);
        await conflict(store.appendToStream(stream, [b], { expectedRevision: 'no_stream' }), 1n);
        expect((await store.readStream(stream)).map((e) => e.id)).to.deep.equal([a.id, b.id]);
      });
    });

    describe('readStream', () => {
      it('reads forwards from a revision, inclusive, up to maxCount', async () => {
        const stream = unique('fwd');
        const batch = [anEvent(), anEvent(), anEvent(), anEvent(), anEvent()];
        await store.appendToStream(stream, batch);
        expect((await store.readStream(stream)).map((e) => e.id)).to.deep.equal(batch.map((e) => e.id));
        expect((await store.readStream(stream, { fromRevision: 1n, maxCount: 2 })).map((e) => e.revision)).to.deep.equal([1n, 2n]);
        expect((await store.readStream(stream, { fromRevision: 'start', maxCount: 1 })).map((e) => e.revision)).to.deep.equal([0n]);
        expect(await store.readStream(stream, { fromRevision: 9n })).to.deep.equal([]);
      });

      it('reads backwards from the end, or from a revision, inclusive', async () => {
        const stream = unique('bwd');
        await store.appendToStream(stream, [anEvent(), anEvent(), anEvent(), anEvent()]);
        expect((await store.readStream(stream, { direction: 'backwards' })).map((e) => e.revision)).to.deep.equal([3n, 2n, 1n, 0n]);
        expect((await store.readStream(stream, { direction: 'backwards', fromRevision: 2n, maxCount: 2 })).map((e) => e.revision)).to.deep.equal([2n, 1n]);
        expect((await store.readStream(stream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 })).map((e) => e.revision)).to.deep.equal([3n]);
      });

      it('returns [] for a stream that does not exist', async () => {
        expect(await store.readStream(unique('missing'))).to.deep.equal([]);
        expect(await store.readStream(unique('missing'), { direction: 'backwards' })).to.deep.equal([]);
      });
    });

    describe('readAll', () => {
      it('reads forwards strictly after fromPosition, from START by default, up to maxCount', async () => {
        const prefix = unique('all-fwd');
        const [e1, e2, e3] = [anEvent(), anEvent(), anEvent()];
        const first = await store.appendToStream(`${prefix}-a`, [e1]);
        await store.appendToStream(`${prefix}-b`, [e2, e3]);
        const filter = { streamPrefixes: [prefix] };
        expect(ids(await store.readAll({ filter }))).to.deep.equal([e1.id, e2.id, e3.id]);
        expect(ids(await store.readAll({ filter, fromPosition: START }))).to.deep.equal([e1.id, e2.id, e3.id]);
        expect(ids(await store.readAll({ filter, fromPosition: first.position }))).to.deep.equal([e2.id, e3.id]);
        expect(ids(await store.readAll({ filter, maxCount: 2 }))).to.deep.equal([e1.id, e2.id]);
      });

      it('reads backwards newest first, from the end or strictly before fromPosition', async () => {
        const prefix = unique('all-bwd');
        const [e1, e2, e3] = [anEvent(), anEvent(), anEvent()];
        await store.appendToStream(`${prefix}-a`, [e1, e2]);
        const last = await store.appendToStream(`${prefix}-b`, [e3]);
        const filter = { streamPrefixes: [prefix] };
        expect(ids(await store.readAll({ filter, direction: 'backwards', maxCount: 2 }))).to.deep.equal([e3.id, e2.id]);
        expect(ids(await store.readAll({ filter, direction: 'backwards', fromPosition: last.position }))).to.deep.equal([e2.id, e1.id]);
      });

      it('keeps only events whose stream name or type starts with one of the prefixes', async () => {
        const prefix = unique('all-filter');
        const [orderCreated, orderRenamed, userCreated, userRenamed] = [
          anEvent(`${prefix}Created`),
          anEvent(`${prefix}Renamed`),
          anEvent(`${prefix}Created`),
          anEvent(`${prefix}Renamed`),
        ];
        await store.appendToStream(`${prefix}-order-1`, [orderCreated, orderRenamed]);
        await store.appendToStream(`${prefix}-user-1`, [userCreated, userRenamed]);
        const read = async (filter: EventFilter) => ids(await store.readAll({ filter }));
        expect(await read({ streamPrefixes: [`${prefix}-order-`] })).to.deep.equal([orderCreated.id, orderRenamed.id]);
        expect(await read({ streamPrefixes: [`${prefix}-user-`, `${prefix}-order-`] })).to.have.length(4);
        expect(await read({ eventTypePrefixes: [`${prefix}Ren`] })).to.deep.equal([orderRenamed.id, userRenamed.id]);
        expect(await read({ streamPrefixes: [`${prefix}-user-`], eventTypePrefixes: [`${prefix}Cre`] })).to.deep.equal([userCreated.id]);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up on existing events, resolves caughtUp, then delivers live events in global order', async () => {
        const prefix = unique('sub');
        const existing = [anEvent(), anEvent(), anEvent()];
        await store.appendToStream(`${prefix}-a`, existing.slice(0, 2));
        await store.appendToStream(`${prefix}-b`, existing.slice(2));
        const collector = new Collector();
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [prefix] } }, collector.handler);
        await subscription.caughtUp;
        expect(collector.ids()).to.deep.equal(ids(existing));
        const live = [anEvent(), anEvent()];
        await store.appendToStream(`${prefix}-b`, [live[0]!]);
        await store.appendToStream(`${prefix}-a`, [live[1]!]);
        await collector.until(5, subscription);
        expect(collector.ids()).to.deep.equal(ids([...existing, ...live]));
        expectAscending(collector.events);
        await subscription.close();
        await subscription.done;
      });

      it('starts strictly after fromPosition', async () => {
        const prefix = unique('sub-from');
        const [e1, e2, e3] = [anEvent(), anEvent(), anEvent()];
        const first = await store.appendToStream(`${prefix}-a`, [e1]);
        await store.appendToStream(`${prefix}-a`, [e2, e3]);
        const collector = new Collector();
        const subscription = store.subscribeToAll({ fromPosition: first.position, filter: { streamPrefixes: [prefix] } }, collector.handler);
        await subscription.caughtUp;
        await collector.until(2, subscription);
        expect(collector.ids()).to.deep.equal([e2.id, e3.id]);
        await subscription.close();
      });

      it('resolves caughtUp when no event passes the filter', async () => {
        const collector = new Collector();
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [unique('sub-none')] } }, collector.handler);
        await subscription.caughtUp;
        expect(collector.events).to.deep.equal([]);
        await subscription.close();
      });

      it('applies the filter to catch-up and live events alike', async () => {
        const prefix = unique('sub-filter');
        const [kept, live] = [anEvent(), anEvent()];
        await store.appendToStream(`${prefix}-kept`, [kept]);
        await store.appendToStream(`${prefix}-other`, [anEvent()]);
        const collector = new Collector();
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [`${prefix}-kept`] } }, collector.handler);
        await subscription.caughtUp;
        await store.appendToStream(`${prefix}-other`, [anEvent()]);
        await store.appendToStream(`${prefix}-kept`, [live]);
        await collector.until(2, subscription);
        expect(collector.ids()).to.deep.equal([kept.id, live.id]);
        expect(collector.events.map((e) => e.streamName)).to.deep.equal([`${prefix}-kept`, `${prefix}-kept`]);
        await subscription.close();
      });

      it("does not deliver the next batch before the handler's promise settles", async () => {
        const stream = unique('sub-gate');
        const appended = [anEvent()];
        await store.appendToStream(stream, appended);
        const gate = deferred();
        const firstBatchStarted = deferred();
        const seen: RecordedEvent[] = [];
        const everything = deferred();
        let running = 0;
        let mostRunning = 0;
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, async (batch) => {
          running += 1;
          mostRunning = Math.max(mostRunning, running);
          seen.push(...batch);
          if (seen.length === 1) {
            firstBatchStarted.resolve();
            await gate.promise;
          }
          running -= 1;
          if (seen.length === 4) everything.resolve();
        });
        await firstBatchStarted.promise;
        const more = [anEvent(), anEvent(), anEvent()];
        await store.appendToStream(stream, [more[0]!]);
        await store.appendToStream(stream, more.slice(1));
        expect(ids(seen)).to.deep.equal(ids(appended));
        gate.resolve();
        await Promise.race([everything.promise, endedEarly(subscription)]);
        expect(ids(seen)).to.deep.equal(ids([...appended, ...more]));
        expect(mostRunning).to.equal(1);
        await subscription.close();
      });

      it('delivers each event exactly once, in order, when appends race with the catch-up', async () => {
        const stream = unique('sub-race');
        for (let i = 0; i < 5; i++) await store.appendToStream(stream, [anEvent(), anEvent()]);
        const collector = new Collector();
        let appendedDuringCatchUp = false;
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, async (batch) => {
          collector.handler(batch);
          if (!appendedDuringCatchUp) {
            appendedDuringCatchUp = true;
            await store.appendToStream(stream, [anEvent(), anEvent(), anEvent()]);
          }
        });
        // issued before the catch-up has read anything
        await Promise.all([store.appendToStream(stream, [anEvent()]), store.appendToStream(stream, [anEvent()])]);
        await subscription.caughtUp;
        await store.appendToStream(stream, [anEvent(), anEvent()]);
        await collector.until(17, subscription);
        const written = await store.readStream(stream);
        expect(written).to.have.length(17);
        expect(collector.ids()).to.deep.equal(ids(written));
        await subscription.close();
      });

      it('stops, and rejects done with the error, when the handler throws', async () => {
        const stream = unique('sub-throw');
        await store.appendToStream(stream, [anEvent()]);
        const failure = new Error('handler failed');
        let calls = 0;
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, () => {
          calls += 1;
          throw failure;
        });
        expect(await rejection(subscription.done)).to.equal(failure);
        await store.appendToStream(stream, [anEvent()]);
        expect(calls).to.equal(1);
      });

      it("stops, and rejects done with the error, when the handler's promise rejects", async () => {
        const stream = unique('sub-reject');
        await store.appendToStream(stream, [anEvent()]);
        const failure = new Error('handler rejected');
        let calls = 0;
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, async () => {
          calls += 1;
          throw failure;
        });
        expect(await rejection(subscription.done)).to.equal(failure);
        await store.appendToStream(stream, [anEvent()]);
        expect(calls).to.equal(1);
      });

      it('close stops delivery and resolves done', async () => {
        const stream = unique('sub-close');
        await store.appendToStream(stream, [anEvent()]);
        const collector = new Collector();
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, collector.handler);
        await subscription.caughtUp;
        await subscription.close();
        await subscription.done;
        await store.appendToStream(stream, [anEvent()]);
        expect(collector.events).to.have.length(1);
      });
    });

    describe('deleteStream (soft delete)', () => {
      it('hides the events from readStream; the next append continues the revisions', async () => {
        const stream = unique('soft');
        await store.appendToStream(stream, [anEvent(), anEvent()]);
        await store.deleteStream(stream, { expectedRevision: 1n });
        expect(await store.readStream(stream)).to.deep.equal([]);
        expect(await store.readStream(stream, { direction: 'backwards' })).to.deep.equal([]);
        const after = anEvent();
        expect((await store.appendToStream(stream, [after])).nextExpectedRevision).to.equal(2n);
        const read = await store.readStream(stream);
        expect(read.map((e) => [e.id, e.revision])).to.deep.equal([[after.id, 2n]]);
      });

      it("lets 'no_stream' re-create the stream, once", async () => {
        const stream = unique('soft-recreate');
        await store.appendToStream(stream, [anEvent()]);
        await store.deleteStream(stream);
        expect((await store.appendToStream(stream, [anEvent(), anEvent()], { expectedRevision: 'no_stream' })).nextExpectedRevision).to.equal(2n);
        await conflict(store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' }), 2n);
      });

      it('checks the expected revision as an append does', async () => {
        const stream = unique('soft-expect');
        await conflict(store.deleteStream(stream, { expectedRevision: 'stream_exists' }), 'no_stream');
        await store.appendToStream(stream, [anEvent(), anEvent()]);
        await conflict(store.deleteStream(stream, { expectedRevision: 0n }), 1n);
        await conflict(store.deleteStream(stream, { expectedRevision: 'no_stream' }), 1n);
        expect(await store.readStream(stream)).to.have.length(2);
      });
    });

    describe('tombstoneStream (hard delete)', () => {
      it('makes every later read and append throw StreamDeletedError', async () => {
        const stream = unique('tomb');
        await store.appendToStream(stream, [anEvent()]);
        await store.tombstoneStream(stream, { expectedRevision: 0n });
        for (const attempt of [
          () => store.readStream(stream),
          () => store.readStream(stream, { direction: 'backwards' }),
          () => store.appendToStream(stream, [anEvent()]),
          () => store.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' }),
          () => store.deleteStream(stream),
          () => store.tombstoneStream(stream),
        ]) {
          const error = await rejection(attempt());
          expect(error).to.be.instanceOf(StreamDeletedError);
          expect((error as StreamDeletedError).streamName).to.equal(stream);
        }
      });

      it('checks the expected revision as an append does', async () => {
        const stream = unique('tomb-expect');
        await store.appendToStream(stream, [anEvent()]);
        await conflict(store.tombstoneStream(stream, { expectedRevision: 'no_stream' }), 0n);
        expect(await store.readStream(stream)).to.have.length(1);
      });
    });

    describe('checkpoints', () => {
      it('readCheckpoint returns null for a checkpoint never written', async () => {
        expect(await store.readCheckpoint(unique('cp-none'))).to.equal(null);
      });

      it('the latest write wins, and the state round-trips, bigints included', async () => {
        const name = unique('cp');
        await store.writeCheckpoint(name, { position: { commit: 5n, prepare: 5n }, state: { views: 1 } });
        const latest = { position: { commit: 9n, prepare: 9n }, state: { read: { mark: 12n }, views: [{ id: 'a', unread: 2 }], note: null } };
        await store.writeCheckpoint(name, latest);
        expect(await store.readCheckpoint(name)).to.deep.equal(latest);
      });
    });

    describe('close', () => {
      it('makes every later call reject with StoreClosedError and ends subscriptions', async () => {
        const stream = unique('closed');
        await store.appendToStream(stream, [anEvent()]);
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, () => undefined);
        await subscription.caughtUp;
        await store.close();
        expect(await rejection(subscription.done)).to.be.instanceOf(StoreClosedError);
        for (const attempt of [
          () => store.appendToStream(stream, [anEvent()]),
          () => store.readStream(stream),
          () => store.readAll(),
          () => store.deleteStream(stream),
          () => store.tombstoneStream(stream),
          () => store.readCheckpoint('any'),
          () => store.writeCheckpoint('any', { position: START, state: null }),
          () => store.subscribeToAll({}, () => undefined).done,
        ]) {
          expect(await rejection(attempt())).to.be.instanceOf(StoreClosedError);
        }
      });
    });

    if (reopen) {
      describe('durability', () => {
        it('events, revisions, positions, deletes, idempotency and checkpoints survive close and reopen', async () => {
          const [kept, softDeleted, tombstoned, checkpoint] = [unique('dur'), unique('dur-soft'), unique('dur-tomb'), unique('dur-cp')];
          const batch = [anEvent(), anEvent()];
          const appended = await store.appendToStream(kept, batch, { expectedRevision: 'no_stream' });
          await store.appendToStream(softDeleted, [anEvent()]);
          await store.deleteStream(softDeleted);
          await store.appendToStream(tombstoned, [anEvent()]);
          await store.tombstoneStream(tombstoned);
          const saved = { position: appended.position, state: { seq: 41n, names: ['a'] } };
          await store.writeCheckpoint(checkpoint, saved);
          const before = await store.readStream(kept);

          store = await reopen(store);

          expect(await store.readStream(kept)).to.deep.equal(before);
          expect(await store.readCheckpoint(checkpoint)).to.deep.equal(saved);
          expect(await store.readStream(softDeleted)).to.deep.equal([]);
          expect(await rejection(store.readStream(tombstoned))).to.be.instanceOf(StreamDeletedError);
          expect(await store.appendToStream(kept, batch, { expectedRevision: 'no_stream' })).to.deep.equal(appended);
          const next = await store.appendToStream(kept, [anEvent()], { expectedRevision: 1n });
          expect(next.nextExpectedRevision).to.equal(2n);
          expect(comparePositions(next.position, appended.position)).to.equal(1);
          expect((await store.appendToStream(softDeleted, [anEvent()])).nextExpectedRevision).to.equal(1n);
        });
      });
    }
  });
}

/**
 * What only the in-process adapters (memory, sqlite) promise: an append resolves after its events
 * were handed to the subscriptions that are caught up, so no test has to wait for delivery.
 */
export function inProcessDeliveryContract(name: string, open: OpenStore): void {
  describe(`${name} delivers in process`, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('an awaited append was already handed to a caught-up subscriber with an idle handler', async () => {
      const stream = unique('sync');
      const collector = new Collector();
      const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, collector.handler);
      await subscription.caughtUp;
      const appended = [anEvent(), anEvent()];
      await store.appendToStream(stream, appended);
      expect(collector.ids()).to.deep.equal(ids(appended));
      await subscription.close();
    });

    it('appends do not wait for a busy handler; their events follow, in order, once it settles', async () => {
      const stream = unique('busy');
      const gate = deferred();
      const collector = new Collector();
      const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, async (batch) => {
        collector.handler(batch);
        if (collector.events.length === 1) await gate.promise;
      });
      await subscription.caughtUp;
      const [first, second, third] = [anEvent(), anEvent(), anEvent()];
      await store.appendToStream(stream, [first]);
      await store.appendToStream(stream, [second]);
      await store.appendToStream(stream, [third]);
      expect(collector.ids()).to.deep.equal([first.id]);
      gate.resolve();
      await collector.until(3, subscription);
      expect(collector.ids()).to.deep.equal(ids([first, second, third]));
      await subscription.close();
    });

    it('a handler may append and await its own append without deadlocking', async () => {
      const stream = unique('reentrant');
      const reply = anEvent('Reply');
      const collector = new Collector();
      const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, async (batch) => {
        collector.handler(batch);
        if (batch.some((e) => e.type === 'Question')) await store.appendToStream(stream, [reply]);
      });
      await subscription.caughtUp;
      await store.appendToStream(stream, [anEvent('Question')]);
      await collector.until(2, subscription);
      expect(collector.events.map((e) => e.type)).to.deep.equal(['Question', 'Reply']);
      await subscription.close();
    });

    it('catches up across many pages while appends keep arriving, delivering each event once', async () => {
      const stream = unique('pages');
      for (let i = 0; i < 12; i++) await store.appendToStream(stream, Array.from({ length: 100 }, () => anEvent()));
      const collector = new Collector();
      let batches = 0;
      const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, async (batch) => {
        collector.handler(batch);
        batches += 1;
        if (batches <= 3) await store.appendToStream(stream, [anEvent()]);
      });
      await subscription.caughtUp;
      await store.appendToStream(stream, [anEvent()]);
      await collector.until(1204, subscription);
      expect(collector.ids()).to.deep.equal(ids(await store.readStream(stream)));
      await subscription.close();
    });

    it('no batch reaches a handler after it threw, nor a closed subscription', async () => {
      const stream = unique('stopped');
      let failingCalls = 0;
      const failing = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, () => {
        failingCalls += 1;
        throw new Error('projection bug');
      });
      const collector = new Collector();
      const closed = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, collector.handler);
      await closed.caughtUp;
      await store.appendToStream(stream, [anEvent()]);
      await rejection(failing.done);
      await closed.close();
      await store.appendToStream(stream, [anEvent()]);
      expect(failingCalls).to.equal(1);
      expect(collector.events).to.have.length(1);
    });

    it('numbers the log with one bigint for commit and prepare', async () => {
      const result = await store.appendToStream(unique('one-number'), [anEvent()]);
      expect(result.position.prepare).to.equal(result.position.commit);
    });

    it('keeps the events of a soft-deleted stream in readAll and subscriptions (as EventStoreDB does until scavenge)', async () => {
      const stream = unique('soft-log');
      const before = anEvent();
      await store.appendToStream(stream, [before]);
      await store.deleteStream(stream);
      const collector = new Collector();
      const subscription = store.subscribeToAll({ filter: { streamPrefixes: [stream] } }, collector.handler);
      await subscription.caughtUp;
      expect(ids(await store.readAll({ filter: { streamPrefixes: [stream] } }))).to.deep.equal([before.id]);
      expect(collector.ids()).to.deep.equal([before.id]);
      await subscription.close();
    });

    it('rejects input a caller got wrong with a message that says what to change', async () => {
      const stream = unique('invalid');
      const notUuid = { ...anEvent(), id: 'order-1' };
      expect(String(await rejection(store.appendToStream(stream, [notUuid])))).to.match(/not a UUID/);
      const twice = anEvent();
      expect(String(await rejection(store.appendToStream(stream, [twice, twice])))).to.match(/appears twice/);
      expect(String(await rejection(store.appendToStream(stream, [anEvent()], { expectedRevision: -1n })))).to.match(/use 'no_stream'/);
      expect(String(await rejection(store.readStream(stream, { maxCount: -1 })))).to.match(/maxCount/);
      expect(await store.readStream(stream)).to.deep.equal([]);
    });
  });
}

/** A name no other test, nor an earlier run against a shared server, has used. */
function unique(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

function anEvent(type = 'Tested'): EventToAppend {
  return { id: randomUUID(), type, data: { n: 1 }, metadata: {} };
}

function ids(events: readonly { readonly id: string }[]): string[] {
  return events.map((e) => e.id);
}

function expectAscending(events: readonly RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) expect(comparePositions(events[i - 1]!.position, events[i]!.position)).to.equal(-1);
}

async function conflict(promise: Promise<unknown>, actual: bigint | 'no_stream'): Promise<WrongExpectedVersionError> {
  const error = await rejection(promise);
  expect(error).to.be.instanceOf(WrongExpectedVersionError);
  expect((error as WrongExpectedVersionError).actual).to.equal(actual);
  return error as WrongExpectedVersionError;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Rejects if the subscription ends (or fails) while a test still waits for events. */
function endedEarly(subscription: Subscription): Promise<never> {
  return subscription.done.then(() => {
    throw new Error('the subscription ended before the expected events arrived');
  });
}

/** Records what a subscription delivers, so a test can await a count instead of sleeping. */
