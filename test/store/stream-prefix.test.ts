import { expect } from 'chai';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { Ledger } from '../../application/api/ledger.js';
import type { EventStore, ReadAllOptions } from '../../application/ports/event-store.js';
import { prefixReadSql } from '../../infrastructure/store/sqlite/sqlite-store.js';
import { prefixReadSql as pgPrefixReadSql } from '../../infrastructure/store/postgres/pg-log.js';
import { positionSql } from '../../infrastructure/store/postgres/pg-schema.js';
import { onEachRawStore } from '../support/each-store.js';
import { withClient } from '../support/postgres.js';
import { p2p } from '../support/messages.js';
import { rejection } from '../support/rejection.js';

const anEvent = (n: number) => ({ id: randomUUID(), type: 'Thing', data: { n }, metadata: { m: n } });

/**
 * `inner`, counting the events each read visits: a stream read or a prefix read visits what it
 * returns; a read of the global log visits every event of its range, whatever its filter keeps
 * (memory and sqlite test each event, PostgreSQL scans, the esdb client filters what it is sent).
 */
function counting(inner: EventStore): { store: EventStore; visited: () => number } {
  let visited = 0;
  const store = new Proxy(inner, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key === 'readAll') {
        return async (options: ReadAllOptions = {}) => {
          const { filter: _filter, ...range } = options;
          visited += (await target.readAll(range)).length;
          return target.readAll(options);
        };
      }
      if (key === 'readStream' || key === 'readStreamsWithPrefix') {
        return async (...args: unknown[]) => {
          const events = await (value as (...a: unknown[]) => Promise<unknown[]>).apply(target, args);
          visited += events.length;
          return events;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, visited: () => visited };
}

onEachRawStore('readStreamsWithPrefix', ({ opened, kind }) => {
  it('returns what readAll with that one stream prefix returns, in global order, for prefixes at every boundary', async () => {
    const { store } = opened();
    const names = ['a/', 'a/x', 'a/x/y', 'a0', 'a.', 'a/\u{10FFFF}z', 'a/😀', 'b', 'a\u{D7FF}', 'a\u{E000}', 'ab'];
    let n = 0;
    // interleaved, so that global order differs from stream order
    for (let round = 0; round < 3; round++) for (const name of names) await store.appendToStream(name, [anEvent(n++)]);
    await store.deleteStream('a/x/y');
    for (const prefix of ['', 'a', 'a/', 'a/x', 'a/x/y', 'a/\u{10FFFF}', 'a\u{D7FF}', 'ab', 'zz', 'a/😀']) {
      const expected = (await store.readAll({ filter: { streamPrefixes: [prefix] } })).map((e) => [e.streamName, e.revision, e.data.n, e.position]);
      const got = (await store.readStreamsWithPrefix(prefix)).map((e) => [e.streamName, e.revision, e.data.n, e.position]);
      expect(got, `prefix ${JSON.stringify(prefix)} on ${kind}`).to.deep.equal(expected);
    }
    expect((await store.readStreamsWithPrefix('a/x')).map((e) => e.streamName)).to.include('a/x/y');
  });

  it('refuses a prefix that is not a string, or holds a lone surrogate, with a TypeError', async () => {
    const { store } = opened();
    expect(await rejection(store.readStreamsWithPrefix(5 as never))).to.be.instanceOf(TypeError);
    const error = await rejection(store.readStreamsWithPrefix('a\uD800'));
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.match(/stream prefix/).and.to.match(/lone surrogate/);
  });

  it("S10.3 sessionsAt reads the account's own streams only: events visited stay the same however many events other accounts add", async function () {
    this.timeout(60_000);
    const { store: raw, server } = opened();
    const { store, visited } = counting(raw);
    const clock = { now: 1_000 };
    const ledger = await Ledger.open({ store, clock: () => clock.now });
    try {
      const alice = ledger.account('alice');
      for (let i = 0; i < 5; i++) await alice.receiveMessage(p2p('bob', 'alice', 100 + i));
      await alice.sendMessage(p2p('alice', 'carol', 200));
      await alice.resetSessionUnread('p2p-bob');
      const own = (await raw.readAll({ filter: { streamPrefixes: ['ledger/alice/'] } })).length;
      const measure = async () => {
        const [before, sent] = [visited(), server?.eventsSent ?? 0];
        const sessions = await ledger.sessionsAt({ account: 'alice', at: clock.now });
        return { sessions, visited: visited() - before, sent: (server?.eventsSent ?? 0) - sent };
      };
      const small = await measure();
      // other accounts grow the log far past alice's history (accounts whose names share her prefix included)
      const others = ['alic', 'alice2', 'alice-', 'bob', 'dave', 'erin', 'frank', 'grace'];
      for (const other of others) {
        const view = ledger.account(other);
        await Promise.all(Array.from({ length: 15 }, (_, i) => view.receiveMessage(p2p(`peer${i % 4}`, other, 300 + i))));
      }
      const log = (await raw.readAll()).length;
      const grown = await measure();
      expect(grown.sessions).to.deep.equal(small.sessions);
      expect(small.visited).to.equal(own);
      expect(grown.visited).to.equal(own);
      // the server also sends the log's last event once, where the catch-up ends
      if (server) expect(grown.sent).to.equal(small.sent).and.to.be.at.most(own + 1);
      expect(log).to.be.above(own * 5);
      console.log(`      ${kind}: sessionsAt visited ${small.visited} events with a log of ${own}, ${grown.visited} with a log of ${log}${server ? `; the server sent ${grown.sent}` : ''}`);
    } finally {
      await ledger.close();
    }
  });

  if (kind === 'sqlite') {
    it("the query is a range of the streams' primary key, then each stream's index: it never scans the log", async () => {
      const { url } = opened();
      await opened().store.appendToStream('a/x', [anEvent(1)]);
      await opened().store.close();
      const db = new Database(url.slice('sqlite:'.length), { readonly: true });
      try {
        for (const bounded of [true, false]) {
          const plan = (db.prepare(`EXPLAIN QUERY PLAN ${prefixReadSql(bounded)}`).all(...(bounded ? ['a/', 'a0'] : ['a/'])) as { detail: string }[]).map((r) => r.detail);
          expect(plan.join(' | ')).to.match(/SEARCH s USING .*INDEX/).and.to.match(/SEARCH e USING INDEX/).and.not.to.match(/SCAN e\b/);
        }
      } finally {
        db.close();
      }
    });
  }

  if (kind === 'postgres') {
    it('the query can be answered by indexes alone: with sequential scans off, no Seq Scan of events or streams is left', async () => {
      const { url } = opened();
      await opened().store.appendToStream('a/x', [anEvent(1)]);
      const plan = await withClient(url, async (client) => {
        await client.query('SET enable_seqscan = off');
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${pgPrefixReadSql(positionSql(0n), true).replace('$1', "'a/'").replace('$2', "'a0'")}`);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan).to.match(/streams_name_c/).and.not.to.match(/Seq Scan/);
    });
  }
});
