import { expect } from 'chai';
import { START } from '../../application/ports/event-store.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
import type { SessionListReader } from '../../projections/session-list/reader.js';
import { applyRecorded } from '../../application/read/event-log.js';
import { projectionRunnerOf, type Ledger } from '../../application/api/ledger.js';
import type { EventStore } from '../../application/ports/event-store.js';
import { openStore } from '../../infrastructure/create-ledger.js';
import { p2p, team } from '../support/messages.js';
import { openFixture, type Fixture } from '../support/ledger-fixture.js';
import { loadEveryAccount } from '../support/pg-read-models.js';

/** A workload touching every kind of event, on several devices and modes. */
async function workload(ledger: Ledger, clock: { now: number }): Promise<void> {
  const a = ledger.account('alice', { device: 'a', syncSessionUnread: true });
  const b = ledger.account('alice', { device: 'b' });
  const c = ledger.account('alice', { device: 'c', db: false });
  const d = ledger.account('alice', { device: 'd', db: false, autoMarkRead: true });
  await Promise.all([a.ready, b.ready, c.ready, d.ready]);
  for (let i = 0; i < 40; i++) {
    clock.now += 1;
    await b.receiveMessage(p2p(`u${i % 7}`, 'alice', clock.now, { type: i % 5 === 0 ? 'image' : 'text' }));
    if (i % 9 === 0) await a.sendMessage(p2p('alice', `u${i % 7}`, clock.now));
  }
  await c.syncMessages({ roaming: [p2p('u1', 'alice', 5)], offline: [p2p('u2', 'alice', clock.now - 3), team('u3', 't1', clock.now - 2)] });
  await d.syncMessages({ offline: [p2p('u4', 'alice', clock.now - 1)] });
  await a.setCurrSession('p2p-u1');
  await b.receiveMessage(p2p('u1', 'alice', ++clock.now));
  await b.resetSessionUnread('p2p-u2');
  await b.updateLocalSession({ id: 'p2p-u3', localCustom: 'star' });
  await b.deleteLocalSession({ id: 'p2p-u5' });
  await a.deleteSession({ scene: 'p2p', to: 'u6' });
  await ledger.account('u1').sendMsgReceipt({ msg: p2p('alice', 'u1', clock.now - 2) });
  await b.insertLocalSession({ scene: 'superTeam', to: 'st1' });
}

function allViews(projection: SessionListReader) {
  const out: Record<string, unknown> = {};
  for (const account of projection.accountIds().sort()) {
    for (const device of projection.devicesOf(account).sort()) {
      out[`${account}/${device}`] = { list: projection.allSessions(account, device), total: projection.totalUnread(account, device) };
    }
  }
  return out;
}

async function rebuild(store: EventStore): Promise<SessionListProjection> {
  const projection = new SessionListProjection();
  for (const e of await store.readAll({ fromPosition: START })) applyRecorded(projection, e);
  return projection;
}

for (const kind of ['sqlite', 'postgres', 'esdb+postgres', 'esdb+sqlite'] as const) describe(`durability and rebuilds [${kind}]`, () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await openFixture(kind);
  });
  afterEach(async () => {
    await fx.close();
  });

  it('state, history and device modes survive closing and reopening the store', async () => {
    await workload(fx.ledger, fx.clock);
    const before = allViews(fx.ledger.reader);
    const history = await fx.ledger.history({ account: 'alice', sessionId: 'p2p-u1' });
    const ledger = await fx.reopen();
    await loadEveryAccount(ledger, fx.readModelsUrl ?? fx.storeUrl);
    // S4.2: closing the ledger ended every current session (recorded); nothing else changed.
    const noCurrent = (views: Record<string, unknown>) => Object.fromEntries(Object.entries(views).map(([k, v]) => [k, { ...(v as object), current: null }]));
    expect(Object.values(allViews(ledger.reader)).map((v) => (v as { current?: unknown }).current ?? null)).to.deep.equal(Object.keys(before).map(() => null));
    expect(noCurrent(allViews(ledger.reader))).to.deep.equal(noCurrent(before));
    const after = await ledger.history({ account: 'alice', sessionId: 'p2p-u1' });
    expect(after.slice(0, history.length)).to.deep.equal(history);
    expect(after.slice(history.length).filter((e) => e.type !== 'CurrentSessionCleared')).to.deep.equal([]);
    const b = ledger.account('alice', { device: 'b' });
    const total = await b.getTotalUnread();
    await b.receiveMessage(p2p('u0', 'alice', ++fx.clock.now));
    expect(await b.getTotalUnread()).to.equal(total + 1);
  });

  it('on open the read models resume from what they saved (tables, or a snapshot), then catch up on what came after', async () => {
    await workload(fx.ledger, fx.clock);
    const ledger = await fx.reopen(); // saved its read models on close
    await ledger.account('alice', { device: 'b' }).receiveMessage(p2p('late', 'alice', ++fx.clock.now));
    await loadEveryAccount(ledger, fx.readModelsUrl ?? fx.storeUrl);
    const expected = allViews(ledger.reader);
    await projectionRunnerOf(ledger).persist();
    const again = await fx.reopen();
    await loadEveryAccount(again, fx.readModelsUrl ?? fx.storeUrl);
    expect(allViews(again.reader)).to.deep.equal(expected);
  });
});

for (const kind of ['memory', 'sqlite', 'postgres'] as const) {
  describe(`projection rebuild [${kind}]`, () => {
    it('S4.7 a rebuild from position 0 gives read models identical to the live ones', async () => {
      const fx = await openFixture(kind);
      try {
        await workload(fx.ledger, fx.clock);
        const live = allViews(fx.ledger.reader);
        const store = (fx.ledger as unknown as { store: EventStore }).store;
        expect(allViews((await rebuild(store)).reader)).to.deep.equal(live);
        const snapshotRoundTrip = SessionListProjection.fromSnapshot(JSON.parse(JSON.stringify(projectionRunnerOf(fx.ledger).currentProjection.toSnapshot())))!;
        expect(allViews(snapshotRoundTrip.reader)).to.deep.equal(live);
      } finally {
        await fx.close();
      }
    });
    it('projections are idempotent by position: events delivered again change nothing', async () => {
      const fx = await openFixture(kind);
      try {
        await workload(fx.ledger, fx.clock);
        const store = (fx.ledger as unknown as { store: EventStore }).store;
        const once = allViews(fx.ledger.reader);
        projectionRunnerOf(fx.ledger).apply(await store.readAll({ fromPosition: START }));
        expect(allViews(fx.ledger.reader)).to.deep.equal(once);
      } finally {
        await fx.close();
      }
    });
  });
}

// sqlite and PostgreSQL keep their read models in tables: test/api/read-model-tables.test.ts and
// test/api/pg-read-models.test.ts cover a store from an older version, which kept a snapshot.

describe('store URLs', () => {
  it('rejects an unknown store URL with the list of accepted forms', async () => {
    const error = await openStore('mysql://x').catch((e) => e);
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.contain("'sqlite:<path>'");
  });
});
