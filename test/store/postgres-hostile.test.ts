import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { StoreUnavailableError, type EventToAppend } from '../../application/ports/event-store.js';
import { PgEventStore } from '../../infrastructure/store/postgres/pg-event-store.js';
import { MAX_STREAM_NAME_BYTES } from '../../infrastructure/store/postgres/pg-input.js';
import { Collector } from '../support/collector.js';
import { postgresUrl, withClient } from '../support/postgres.js';
import { rejection } from '../support/rejection.js';
import { openProxy, storesPerTest, transactionBase, waitedOnLock } from './pg-tools.js';

function anEvent(type = 'Tested'): EventToAppend {
  return { id: randomUUID(), type, data: { n: 1 }, metadata: {} };
}

/** a poll so slow that a test passing within the mocha timeout was woken by something else */
const NO_POLL = { poll: { idleMs: 3_600_000 } };

/** Production failure modes of the PostgreSQL store: hostile text, impossible positions, a network that fails mid-call. */
describe('PgEventStore under hostile input and failing networks', () => {
  const stores = storesPerTest();
  const open = stores.open;

  describe('text PostgreSQL cannot hold is refused with the field named, and nothing is written', () => {
    const bad: [string, string, RegExp][] = [
      ['a NUL character', 'a\u0000b', /NUL/],
      ['a lone high surrogate', 'a\uD800b', /surrogate/],
      ['a lone low surrogate', '\uDC00', /surrogate/],
    ];
    for (const [what, text, says] of bad) {
      it(`a stream name with ${what}: append, read, delete and tombstone name the stream name`, async () => {
        const store = await open();
        for (const call of [
          () => store.appendToStream(text, [anEvent()]),
          () => store.readStream(text),
          () => store.deleteStream(text),
          () => store.tombstoneStream(text),
        ]) {
          const error = await rejection(call());
          expect(error).to.be.instanceOf(TypeError);
          expect((error as Error).message).to.match(/stream name/).and.to.match(says);
        }
        expect(await store.readAll()).to.deep.equal([]);
      });

      it(`an event type with ${what} is refused naming the event's type`, async () => {
        const store = await open();
        const error = await rejection(store.appendToStream('typed', [anEvent(), anEvent(text)]));
        expect(error).to.be.instanceOf(TypeError);
        expect((error as Error).message).to.match(/type/).and.to.match(says);
        expect(await store.readAll()).to.deep.equal([]);
      });

      it(`a checkpoint name or a filter prefix with ${what} is refused naming it`, async () => {
        const store = await open();
        const position = { commit: 1n, prepare: 1n };
        expect(String(await rejection(store.writeCheckpoint(text, { position, state: {} })))).to.match(/checkpoint name/).and.to.match(says);
        expect(String(await rejection(store.readCheckpoint(text)))).to.match(/checkpoint name/).and.to.match(says);
        expect(String(await rejection(store.readAll({ filter: { streamPrefixes: ['ok', text] } })))).to.match(/streamPrefixes\[1\]/).and.to.match(says);
        expect(String(await rejection(store.readAll({ filter: { eventTypePrefixes: [text] } })))).to.match(/eventTypePrefixes\[0\]/);
        const subscription = store.subscribeToAll({ filter: { streamPrefixes: [text] } }, () => undefined);
        expect(String(await rejection(subscription.done))).to.match(/streamPrefixes\[0\]/);
      });
    }

    it('two stream names differing only in a lone surrogate never become one stream', async () => {
      const store = await open();
      await rejection(store.appendToStream('x\uD800', [anEvent()]));
      await rejection(store.appendToStream('x\uDC00', [anEvent()]));
      expect(await store.readStream('x\uFFFD')).to.deep.equal([]);
    });

    it('quotes, backslashes, SQL and emoji in names and types round-trip exactly', async () => {
      const store = await open();
      const stream = "o'hara\"; DROP TABLE events; --\\\\ 😀 \u2028";
      const event = anEvent("type'\\\"");
      await store.appendToStream(stream, [event]);
      const [read] = await store.readStream(stream);
      expect([read!.streamName, read!.type, read!.id]).to.deep.equal([stream, event.type, event.id]);
      expect((await store.readAll({ filter: { streamPrefixes: ["o'hara\""] } })).map((e) => e.id)).to.deep.equal([event.id]);
    });

    it('a stream name too long for the index (10 KB of varied text) is refused with its size and the limit; a name at the limit passes', async () => {
      const store = await open();
      const long = Array.from({ length: 1000 }, () => randomUUID().slice(0, 10)).join('');
      const error = await rejection(store.appendToStream(long, [anEvent()]));
      expect(error).to.be.instanceOf(RangeError);
      expect((error as Error).message).to.match(/stream name is 10000 bytes/).and.to.contain(`at most ${MAX_STREAM_NAME_BYTES}`);
      expect(await store.readAll()).to.deep.equal([]);
      const fits = long.slice(0, MAX_STREAM_NAME_BYTES);
      await store.appendToStream(fits, [anEvent()]);
      expect(await store.readStream(fits)).to.have.length(1);
    });

    it('a checkpoint name too long for its index (10 KB) is refused with its size and the limit', async () => {
      const store = await open();
      const long = Array.from({ length: 1000 }, () => randomUUID().slice(0, 10)).join('');
      const error = await rejection(store.writeCheckpoint(long, { position: { commit: 1n, prepare: 1n }, state: {} }));
      expect(error).to.be.instanceOf(RangeError);
      expect((error as Error).message).to.match(/checkpoint name is 10000 bytes/).and.to.contain(`at most ${MAX_STREAM_NAME_BYTES}`);
    });

    it('10 KB event types and NUL or lone surrogates inside data and metadata round-trip', async () => {
      const store = await open();
      const event = { id: randomUUID(), type: 't'.repeat(10_000), data: { text: 'a\u0000b\uD800c' }, metadata: { k: '\uDFFF' } };
      await store.appendToStream('data-ok', [event]);
      const [read] = await store.readStream('data-ok');
      expect([read!.type, read!.data, read!.metadata]).to.deep.equal([event.type, event.data, event.metadata]);
    });
  });

  describe('positions outside PostgreSQL bigint', () => {
    it('readAll from a position past any bigint reads nothing forwards and everything backwards', async () => {
      const store = await open();
      await store.appendToStream('p', [anEvent()]);
      const huge = { commit: 2n ** 70n, prepare: 2n ** 70n };
      expect(await store.readAll({ fromPosition: huge })).to.deep.equal([]);
      expect(await store.readAll({ fromPosition: huge, direction: 'backwards' })).to.have.length(1);
      expect(await store.readAll({ fromPosition: { commit: -(2n ** 70n), prepare: 0n } })).to.have.length(1);
    });

    it('a subscription from a position past any bigint catches up on nothing and stays alive', async () => {
      const store = await open();
      await store.appendToStream('p', [anEvent()]);
      const collector = new Collector();
      const subscription = store.subscribeToAll({ fromPosition: { commit: 2n ** 70n, prepare: 0n } }, collector.handler);
      await subscription.caughtUp;
      await subscription.close();
      await subscription.done;
      expect(collector.events).to.deep.equal([]);
    });

    it('a checkpoint at a position no bigint holds is refused naming the checkpoint and the position', async () => {
      const store = await open();
      const error = await rejection(store.writeCheckpoint('far', { position: { commit: 2n ** 63n, prepare: 0n }, state: {} }));
      expect(error).to.be.instanceOf(RangeError);
      expect((error as Error).message).to.match(/checkpoint far/).and.to.match(/position/);
      expect(await store.readCheckpoint('far')).to.equal(null);
    });
  });

  describe('a connection lost in the middle of an append', () => {
    it('lost after COMMIT was sent: the error says the outcome is unknown and a retry with the same ids is safe; the retry records it once', async () => {
      const proxy = await openProxy(new URL(stores.url()));
      try {
        const store = await open({}, proxy.url);
        await store.appendToStream('cut', [anEvent()]);
        for (const when of ['before', 'after'] as const) {
          const batch = [anEvent(), anEvent()];
          const cut = proxy.cutWhen('COMMIT', when);
          const error = await rejection(store.appendToStream('cut', batch));
          await cut;
          expect(error).to.be.instanceOf(StoreUnavailableError);
          expect((error as Error).message).to.match(/while appending to cut/).and.to.match(/may or may not have been recorded/).and.to.match(/same event ids/);
          await store.appendToStream('cut', batch);
          const ids = (await store.readStream('cut')).map((e) => e.id);
          expect(ids.filter((id) => id === batch[0]!.id || id === batch[1]!.id)).to.deep.equal(batch.map((e) => e.id));
        }
        expect(await store.readStream('cut')).to.have.length(5);
      } finally {
        await proxy.close();
      }
    });

    it('lost before COMMIT was sent, with the server then unreachable: the error says nothing was recorded', async () => {
      const proxy = await openProxy(new URL(stores.url()));
      try {
        const store = await open({}, proxy.url);
        await store.appendToStream('cut', [anEvent()]);
        const cut = proxy.cutWhen('BEGIN', 'before', 'refuse');
        const error = await rejection(store.appendToStream('cut', [anEvent()]));
        await cut;
        expect(error).to.be.instanceOf(StoreUnavailableError);
        expect((error as Error).message).to.match(/while appending to cut/).and.to.match(/nothing was recorded/);
        proxy.up();
        expect(await store.readStream('cut')).to.have.length(1);
      } finally {
        await proxy.close();
      }
    });

    it('a new connection that the server ends (FATAL) in the packet that completes its start-up fails that call alone, as unavailable; no uncaught error', async () => {
      const proxy = await openProxy(new URL(stores.url()));
      try {
        const store = await open({ poolSize: 1 }, proxy.url);
        await store.appendToStream('fatal', [anEvent()]);
        proxy.down();
        proxy.up();
        proxy.fatalAfterReady();
        const failed = await store.appendToStream('fatal', [anEvent()]).then(() => undefined, (e: unknown) => e);
        if (failed !== undefined) expect(failed).to.be.instanceOf(StoreUnavailableError);
        proxy.fatalAfterReady();
        await store.readAll().catch((e: unknown) => expect(e).to.be.instanceOf(StoreUnavailableError));
        await store.appendToStream('fatal', [anEvent()]);
        expect((await store.readStream('fatal')).length).to.be.at.least(2);
      } finally {
        await proxy.close();
      }
    });

    it('a subscription whose reads meet a server shutting down (FATAL 57P01, twice in a row) pauses and resumes; it does not fail', async () => {
      const proxy = await openProxy(new URL(stores.url()));
      try {
        const store = await open({ poolSize: 1, poll: { idleMs: 20, minRetryMs: 5, maxRetryMs: 20 } }, proxy.url);
        const writer = await open();
        const collector = new Collector();
        const subscription = store.subscribeToAll({}, collector.handler);
        await subscription.caughtUp;
        proxy.down();
        proxy.up();
        proxy.fatalAfterReady(2);
        const events = [anEvent(), anEvent()];
        await writer.appendToStream('shutdown', [events[0]!]);
        await writer.appendToStream('shutdown', [events[1]!]);
        await collector.until(2, subscription);
        expect(collector.ids()).to.deep.equal(events.map((e) => e.id));
      } finally {
        await proxy.close();
      }
    });

    it('a partitioned server (connections open, no answer): the append fails with StoreUnavailableError within the timeout and close() settles', async () => {
      const proxy = await openProxy(new URL(stores.url()));
      try {
        const store = await PgEventStore.connect(proxy.url, { timeoutMs: 300, poll: { minRetryMs: 5, maxRetryMs: 20 } });
        const subscription = store.subscribeToAll({}, () => undefined);
        await store.appendToStream('partitioned', [anEvent()]);
        await subscription.caughtUp;
        proxy.blackhole();
        const error = await rejection(store.appendToStream('partitioned', [anEvent()]));
        expect(error).to.be.instanceOf(StoreUnavailableError);
        expect((error as Error).message).to.match(/while appending to partitioned/);
        const pending = store.appendToStream('partitioned', [anEvent()]).catch((e: unknown) => e);
        await store.close();
        expect(await pending).to.be.instanceOf(Error);
        expect(String(await rejection(subscription.done))).to.match(/closed/);
      } finally {
        await proxy.close();
      }
    });
  });

  it('a role with only SELECT, INSERT and UPDATE on existing tables (no CREATE) opens the store and appends', async () => {
    await (await open()).close();
    const role = `ledger_app_${randomUUID().slice(0, 8)}`;
    const schema = new URL(stores.url()).searchParams.get('options')!.split('=')[1]!;
    await withClient(stores.url(), (client) => client.query(
      `CREATE ROLE ${role} LOGIN PASSWORD 'app'; GRANT USAGE ON SCHEMA ${schema} TO ${role}; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`,
    ));
    try {
      const asApp = new URL(stores.url());
      asApp.username = role;
      asApp.password = 'app';
      const store = await open({}, asApp.toString());
      await store.appendToStream('least-privilege', [anEvent()]);
      expect(await store.readStream('least-privilege')).to.have.length(1);
      await store.close();
    } finally {
      await withClient(stores.url(), (client) => client.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`));
    }
  });

  it('a database not encoded in UTF8 is refused at open, naming its encoding, instead of failing appends of some text later', async () => {
    const server = new URL(await postgresUrl());
    const database = `latin1_${randomUUID().slice(0, 8)}`;
    await withClient(server.toString(), (client) => client.query(`CREATE DATABASE ${database} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`));
    try {
      const latin1 = new URL(server);
      latin1.pathname = `/${database}`;
      const error = await rejection(PgEventStore.connect(latin1.toString()));
      expect((error as Error).message).to.match(/LATIN1/).and.to.match(/UTF8/);
    } finally {
      await withClient(server.toString(), (client) => client.query(`DROP DATABASE ${database} WITH (FORCE)`));
    }
  });

  it('a second close() called while the first runs resolves only once the store is closed', async () => {
    const store = await PgEventStore.connect(stores.url());
    let settled = false;
    const pending = store.appendToStream('closing-twice', [anEvent()]).finally(() => (settled = true));
    const first = store.close();
    await store.close();
    expect(settled).to.equal(true);
    await Promise.all([first, pending]);
  });

  it("a subscriber in another process delivers an event freed by a writer's failed (rolled back) append, with no poll", async () => {
    const [writer, reader] = [await open(), await open(NO_POLL)];
    await writer.appendToStream('held', [anEvent()]);
    const collector = new Collector();
    const subscription = reader.subscribeToAll({ filter: { streamPrefixes: ['freed'] } }, collector.handler);
    await subscription.caughtUp;
    // a foreign session writes an event (holding the horizon) and locks the stream the writer needs
    const foreign = new pg.Client({ connectionString: stores.url() });
    await foreign.connect();
    try {
      await foreign.query('BEGIN');
      await foreign.query("SELECT 1 FROM streams WHERE name = 'held' FOR UPDATE");
      await foreign.query(
        `INSERT INTO events (global_position, stream, revision, id, type, data, metadata) VALUES (${await transactionBase(foreign)}, 'freed-1', 0, $1, 'Tested', '{}', '{}')`,
        [randomUUID()],
      );
      const conflicting = rejection(writer.appendToStream('held', [anEvent()], { expectedRevision: 7n }));
      await waitedOnLock(foreign);
      // the foreign commit sends no NOTIFY; the writer's transaction still runs, then fails
      await foreign.query('COMMIT');
      expect(String(await conflicting)).to.match(/expected revision 7/);
      await collector.until(1, subscription);
      expect(collector.events.map((e) => e.streamName)).to.deep.equal(['freed-1']);
    } finally {
      await foreign.end();
    }
  });
});
