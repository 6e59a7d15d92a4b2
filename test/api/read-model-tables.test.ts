import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Ledger, projectionRunnerOf } from '../../application/api/ledger.js';
import { START, type EventStore, type RecordedEvent } from '../../application/ports/event-store.js';
import { applyRecorded } from '../../application/read/event-log.js';
import { rebuildReadModels } from '../../application/read/rebuild.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
import type { ChangedRows, ReadModelStore, StoredPosition } from '../../projections/session-list/read-model-store.js';
import type { SessionListReader } from '../../projections/session-list/reader.js';
import { createLedger, openStore, readModelOptions } from '../../infrastructure/create-ledger.js';
import { SqliteReadModels } from '../../infrastructure/readmodels/sqlite-read-models.js';
import { p2p, team } from '../support/messages.js';
import { openFixture } from '../support/ledger-fixture.js';
import { allViews } from '../support/read-model-views.js';
import { SESSION_LIST_CHECKPOINT } from '../../application/read/projection-runner.js';

const ACCOUNTS = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'];

/** Several accounts, two devices each (modes B and C), with receives, sends, resets, deletes and a sync. */
async function workload(ledger: Ledger, clock: { now: number }, round = 0): Promise<void> {
  for (const [i, account] of ACCOUNTS.entries()) {
    const phone = ledger.account(account, { device: 'phone' });
    const pc = ledger.account(account, { device: 'pc', db: false });
    await Promise.all([phone.ready, pc.ready]);
    for (let k = 0; k < 6; k++) {
      await phone.receiveMessage(p2p(`u${(k + i + round) % 5}`, account, ++clock.now, { type: k % 3 === 0 ? 'image' : 'text' }));
      if (k % 2 === 0) await pc.sendMessage(p2p(account, `u${k}`, ++clock.now));
    }
    await pc.syncMessages({ offline: [p2p('u9', account, clock.now - 2), team('u8', `t${i}`, clock.now - 1)] });
    await phone.resetSessionUnread(`p2p-u${(i + round) % 5}`);
    await phone.deleteLocalSession({ id: `p2p-u${(i + round + 1) % 5}` });
    await pc.updateLocalSession({ id: 'p2p-u9', localCustom: `star${round}` });
  }
}

async function replayed(store: EventStore): Promise<Record<string, unknown>> {
  const projection = new SessionListProjection();
  for (const e of await store.readAll({ fromPosition: START })) applyRecorded(projection, e);
  return allViews(projection.reader);
}

/** The store's events read through readAll and subscription deliveries, counted. */
function counting(store: EventStore): { store: EventStore; read: () => number } {
  let read = 0;
  const counted: EventStore = Object.create(store);
  counted.readAll = async (options) => {
    const events = await store.readAll(options);
    read += events.length;
    return events;
  };
  counted.subscribeToAll = (options, handler) => store.subscribeToAll(options, (events) => {
    read += events.length;
    return handler(events);
  });
  return { store: counted, read: () => read };
}

describe('read models in sqlite tables', () => {
  let dir: string;
  let url: string;
  const clock = { now: 1_000_000 };
  const open = (extra: Parameters<typeof createLedger>[0] = {}) => createLedger({ store: url, clock: () => clock.now, ...extra });

  /** A ledger opened again folds no event and shows `expected` (default: a replay of its log). */
  async function expectReopenFoldsNothing(expected?: Record<string, unknown>): Promise<void> {
    const again = await open();
    try {
      expect(projectionRunnerOf(again).eventsCaughtUp, 'events folded at open').to.equal(0);
      expect(allViews(again.reader)).to.deep.equal(expected ?? await replayed((again as unknown as { store: EventStore }).store));
    } finally {
      await again.close();
    }
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-rm-'));
    url = `sqlite:${join(dir, 'ledger.sqlite')}`;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a reopened ledger reads no event of the log: the tables hold the read models and their position', async () => {
    const ledger = await open();
    await workload(ledger, clock);
    const before = allViews(ledger.reader);
    const logged = (await (ledger as unknown as { store: EventStore }).store.readAll({ fromPosition: START })).length;
    await ledger.close();
    expect(logged).to.be.greaterThan(150);

    const opened = await openStore(url);
    const { store, read } = counting(opened);
    const again = await Ledger.open({ store, clock: () => clock.now, runner: readModelOptions(opened) });
    try {
      expect(read(), 'events read at open').to.equal(0);
      expect(projectionRunnerOf(again).eventsCaughtUp).to.equal(0);
      expect(allViews(again.reader)).to.deep.equal(before);
      expect(allViews(again.reader)).to.deep.equal(await replayed(opened));
    } finally {
      await again.close();
    }
  });

  it('S2.1 S4 S6.3 a message that moves only derived facts (unread, list place, totals, its type\'s newest) writes no view, device, account or per-type row, and the reopened tables still equal a replay', async () => {
    const ledger = await open();
    const phone = ledger.account('a0', { device: 'phone' });
    const pc = ledger.account('a0', { device: 'pc', db: false });
    await Promise.all([phone.ready, pc.ready]);
    await phone.receiveMessage(p2p('u1', 'a0', ++clock.now, { type: 'image' }));
    await phone.receiveMessage(p2p('u2', 'a0', ++clock.now));
    await phone.resetSessionUnread('p2p-u2');
    await ledger.close();
    const rowsOf = () => {
      const db = new Database(join(dir, 'ledger.sqlite'), { readonly: true });
      try {
        return db.prepare("SELECT session || '/' || kind || '/' || key AS k, body FROM rm_rows WHERE kind IN (0, 1, 3, 4) ORDER BY k").all() as { k: string; body: string }[];
      } finally {
        db.close();
      }
    };
    const before = rowsOf();
    const again = await open();
    try {
      const view = again.account('a0', { device: 'phone' });
      await view.ready;
      // newer messages of the types the sessions hold: unread, updateTime and totals move on both devices
      await view.receiveMessage(p2p('u1', 'a0', ++clock.now, { type: 'image' }));
      await view.receiveMessage(p2p('u2', 'a0', ++clock.now));
      await view.receiveMessage(p2p('u2', 'a0', ++clock.now));
      expect((await view.getLocalSession({ sessionId: 'p2p-u2' }))?.unread).to.equal(2);
    } finally {
      await again.close();
    }
    // the rows first written when a loaded account changes are the same bodies: nothing moved but derived facts
    expect(rowsOf()).to.deep.equal(before);
    await expectReopenFoldsNothing();
    const reopened = await open();
    try {
      expect(reopened.reader.totalUnread('a0', 'phone')).to.equal(4);
      expect(reopened.reader.getSession('a0', 'phone', 'p2p-u2')).to.include({ unread: 2, updateTime: clock.now });
      expect(reopened.reader.listByMessageType('a0', 'phone', { exclude: ['text'], limit: 10 }).map((x) => x.lastMsg?.time)).to.deep.equal([clock.now - 2]);
    } finally {
      await reopened.close();
    }
  });

  it('read models of more accounts than the cache holds stay right, and the cache stays within its budget', async () => {
    const ledger = await open({ readModelCache: 40 });
    try {
      await workload(ledger, clock, 0);
      await workload(ledger, clock, 1);
      const models = projectionRunnerOf(ledger).readModels as SqliteReadModels;
      expect(models.accounts.size, 'accounts in memory').to.be.lessThan(ACCOUNTS.length);
      expect(models.accounts.rows).to.be.at.most(40 + 40);
      const store = (ledger as unknown as { store: EventStore }).store;
      expect(allViews(ledger.reader)).to.deep.equal(await replayed(store));
      expect(models.accounts.ids().sort()).to.include.members(ACCOUNTS);
    } finally {
      await ledger.close();
    }
  });

  it('events another writer appended after the tables\' position (a crash between append and save) are folded at open, and only those', async () => {
    const ledger = await open();
    await workload(ledger, clock, 0);
    await ledger.close();
    // A ledger that keeps its read models in process appends without touching the tables.
    const raw = await openStore(url);
    const other = await Ledger.open({ store: raw, clock: () => clock.now });
    const head = async () => (await raw.readAll({ fromPosition: START })).length;
    const logged = await head();
    await workload(other, clock, 1);
    await other.close();
    const reopened = await openStore(url);
    const tail = (await reopened.readAll({ fromPosition: START })).length - logged;
    const { store, read } = counting(reopened);
    const again = await Ledger.open({ store, clock: () => clock.now, runner: readModelOptions(reopened) });
    try {
      expect(projectionRunnerOf(again).eventsCaughtUp).to.equal(tail);
      expect(read()).to.equal(tail);
      expect(allViews(again.reader)).to.deep.equal(await replayed(reopened));
    } finally {
      await again.close();
    }
  });

  it('a save that fails keeps its changes: they are saved with the next batch, and the tables equal a replay', async () => {
    const opened = await openStore(url);
    const tables = readModelOptions(opened).readModels!;
    let failures = 1;
    const flaky: ReadModelStore = Object.create(tables);
    flaky.save = (changes: ChangedRows, position: StoredPosition) => {
      if (failures-- > 0) throw new Error('disk I/O error');
      tables.save(changes, position);
    };
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (message: string) => void warnings.push(message) };
    const ledger = await Ledger.open({ store: opened, clock: () => clock.now, runner: { readModels: flaky }, logger });
    await workload(ledger, clock);
    const live = allViews(ledger.reader);
    await ledger.close();
    expect(warnings.some((w) => w.includes('could not save the read models'))).to.equal(true);
    await expectReopenFoldsNothing(live);
  });

  it('a write transaction that rolls back after its fold (its commit failed) takes its rows with it: the commands reject, the models read again from the tables', async () => {
    const opened = await openStore(url);
    const tables = readModelOptions(opened).readModels!;
    let failNext = false;
    const failing: ReadModelStore<RecordedEvent> = Object.create(tables);
    failing.joinWrites = (folder) => tables.joinWrites!({
      ...folder,
      fold(events) {
        folder.fold(events);
        if (failNext) {
          failNext = false;
          throw new Error('disk full at commit');
        }
      },
    });
    const ledger = await Ledger.open({ store: opened, clock: () => clock.now, runner: { readModels: failing } });
    try {
      await workload(ledger, clock);
      const before = allViews(ledger.reader);
      const phone = ledger.account('a0', { device: 'phone' });
      failNext = true;
      const error = await phone.receiveMessage(p2p('lost', 'a0', ++clock.now)).then(() => null, (e: Error) => e);
      expect(error?.message).to.contain('disk full at commit');
      expect(allViews(ledger.reader), 'nothing of the rolled-back write').to.deep.equal(before);
      await phone.receiveMessage(p2p('kept', 'a0', ++clock.now));
      const sessions = ledger.reader.allSessions('a0', 'phone').map((x) => x.id);
      expect(sessions).to.include('p2p-kept').and.not.include('p2p-lost');
      expect(allViews(ledger.reader)).to.deep.equal(await replayed(opened));
    } finally {
      await ledger.close();
    }
    await expectReopenFoldsNothing();
  });

  it('a store from a version without tables (a whole-model snapshot checkpoint) builds them once, with progress to the logger, and drops the snapshot', async () => {
    const ledger = await open();
    await workload(ledger, clock);
    const live = allViews(ledger.reader);
    await ledger.close();
    const file = join(dir, 'ledger.sqlite');
    const db = new Database(file);
    for (const table of ['rm_state', 'rm_rows']) db.exec(`DROP TABLE ${table}`);
    db.prepare("INSERT INTO checkpoints (name, commit_position, prepare_position, state) VALUES ('session-list', 5, 5, ?)").run(JSON.stringify({ version: 5, accounts: [] }));
    db.close();
    const said: string[] = [];
    const logger = { debug() {}, warn() {}, error() {}, info: (message: string) => void said.push(message) };
    const migrated = await open({ logger });
    expect(said.some((m) => m.includes('building the read-model tables'))).to.equal(true);
    expect(projectionRunnerOf(migrated).eventsCaughtUp).to.be.greaterThan(100);
    expect(allViews(migrated.reader)).to.deep.equal(live);
    await migrated.close();
    const check = new Database(file, { readonly: true });
    expect(check.prepare("SELECT count(*) FROM checkpoints WHERE name = 'session-list'").pluck().get()).to.equal(0);
    check.close();
    await expectReopenFoldsNothing(live);
  });

  it('tables written for another shape of the models (ROWS_VERSION) are emptied and built again from the log', async () => {
    const ledger = await open();
    await workload(ledger, clock);
    const live = allViews(ledger.reader);
    await ledger.close();
    const db = new Database(join(dir, 'ledger.sqlite'));
    db.prepare("UPDATE rm_state SET format = format + 1 WHERE name = 'session-list'").run();
    db.prepare("UPDATE rm_rows SET body = '{}' WHERE kind = 3").run();
    db.close();
    const rebuilt = await open();
    try {
      expect(projectionRunnerOf(rebuilt).eventsCaughtUp).to.be.greaterThan(100);
      expect(allViews(rebuilt.reader)).to.deep.equal(live);
    } finally {
      await rebuilt.close();
    }
    await expectReopenFoldsNothing(live);
  });

  it('rebuild empties the tables and folds the log again into them', async () => {
    const ledger = await open();
    await workload(ledger, clock);
    const live = allViews(ledger.reader);
    await ledger.close();
    const store = await openStore(url);
    try {
      const { events, accounts } = await rebuildReadModels(store, undefined, readModelOptions(store));
      expect(events).to.be.greaterThan(100);
      expect(accounts).to.be.at.least(ACCOUNTS.length);
    } finally {
      await store.close();
    }
    await expectReopenFoldsNothing(live);
  });
});

describe('read models kept in process on EventStoreDB', () => {
  it('the ledger writes no read-model snapshot there (a real server refuses appends over 1 MiB): a reopen folds the log and equals the live models', async () => {
    const fx = await openFixture('esdb');
    try {
      await workload(fx.ledger, fx.clock);
      const live = allViews(fx.ledger.reader);
      const ledger = await fx.reopen();
      const store = (ledger as unknown as { store: EventStore }).store;
      expect(await store.readCheckpoint(SESSION_LIST_CHECKPOINT)).to.equal(null);
      expect(projectionRunnerOf(ledger).eventsCaughtUp).to.be.greaterThan(150);
      const current = allViews(ledger.reader);
      expect(current).to.deep.equal(await replayed(store));
      expect(Object.keys(current)).to.deep.equal(Object.keys(live));
    } finally {
      await fx.close();
    }
  });
});
