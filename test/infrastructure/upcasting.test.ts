import { expect } from 'chai';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLedger } from '../../infrastructure/create-ledger.js';
import { SqliteEventStore } from '../../infrastructure/store/sqlite/sqlite-store.js';
import { upcast } from '../../infrastructure/upcasting/upcasters.js';
import { SCHEMA_VERSION } from '../../domain/events.js';
import type { Ledger } from '../../application/api/ledger.js';
import type { RecordedEvent } from '../../application/ports/event-store.js';

// The fixture is checked in next to its generator (test/fixtures/make-v0-store.ts).
const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/v0-ledger.sqlite', import.meta.url));

const brief = (sessions: { id: string; unread: number; lastMsg?: { text?: string } }[]) => sessions.map((s) => [s.id, s.unread, s.lastMsg?.text]);

describe('upcasting: a store written with event schema 0', () => {
  let dir: string;
  let path: string;
  let ledger: Ledger | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-v0-'));
    path = join(dir, 'ledger.sqlite');
    copyFileSync(FIXTURE, path);
  });
  afterEach(async () => {
    await ledger?.close();
    ledger = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('S10.2 the fixture really is schema 0: msg/via/readOn, no mode, no schemaVersion', async () => {
    const raw = SqliteEventStore.open(path);
    try {
      const events = await raw.readAll({ maxCount: 100 });
      expect(events).to.have.length(13);
      const received = events.find((e) => e.type === 'MessageReceived')!;
      expect(Object.keys(received.data).sort()).to.deep.equal(['counting', 'device', 'msg', 'readOn', 'sessionId', 'via']);
      expect(events.every((e) => !('schemaVersion' in e.metadata))).to.equal(true);
      expect(events.find((e) => e.type === 'DeviceRegistered')!.data).to.not.have.property('mode');
    } finally {
      await raw.close();
    }
  });

  it('S10.2 opened through the upcasters, its lists, unread and history read as today\'s schema', async () => {
    ledger = await createLedger({ store: `sqlite:${path}`, clock: () => 1_800_000_000_000 });
    const alice = ledger.account('alice', { device: 'phone' });
    expect(brief((await alice.getLocalSessions()).sessions)).to.deep.equal([
      ['team-t1', 1, 'team hi'], ['p2p-carol', 0, 'to carol'], ['p2p-dan', 0, 'dan 2'], ['p2p-bob', 3, 'hello 3'], ['p2p-erin', 0, 'old news'],
    ]);
    expect(brief((await ledger.account('carol').getLocalSessions()).sessions)).to.deep.equal([['p2p-alice', 1, 'to carol']]);
    const history = await ledger.history({ account: 'alice', sessionId: 'p2p-dan' });
    expect(history.map((e) => e.type)).to.deep.equal(['MessageReceived', 'CurrentSessionSet', 'MessageReceived', 'CurrentSessionCleared']);
    expect(history[2]!.data).to.include({ delivery: 'online' }).and.to.have.nested.property('message.idClient', 'dan 2');
    // schema 1's readBy (from schema 0's readOn) is gone: the fold reads the current session instead
    expect(history[2]!.data).to.not.have.property('readBy');
    expect(history.every((e) => e.metadata.schemaVersion === SCHEMA_VERSION)).to.equal(true);
    // read models = a replay of the upcast history
    expect(await ledger.sessionsAt({ account: 'alice', device: 'phone', at: Number.MAX_SAFE_INTEGER })).to.deep.equal((await alice.getLocalSessions()).sessions);
  });

  it('S2.3 old messages still dedupe, and new commands append today\'s schema on top of the old streams', async () => {
    ledger = await createLedger({ store: `sqlite:${path}`, clock: () => 1_800_000_000_000 });
    const alice = ledger.account('alice', { device: 'phone' });
    const again = await alice.receiveMessage({ scene: 'p2p', from: 'bob', to: 'alice', idClient: 'hello 2', type: 'text', text: 'hello 2', time: 20 });
    expect(again!.unread).to.equal(3);
    expect((await alice.receiveMessage({ scene: 'p2p', from: 'bob', to: 'alice', idClient: 'hello 4', type: 'text', text: 'hello 4', time: 80 }))!.unread).to.equal(4);
    await alice.resetSessionUnread('p2p-bob');
    await ledger.close();
    ledger = await createLedger({ store: `sqlite:${path}` });
    const history = await ledger.history({ account: 'alice', sessionId: 'p2p-bob' });
    expect(history.map((e) => [e.type, 'message' in e.data ? e.data.message.idClient : undefined])).to.deep.equal([
      ['MessageReceived', 'hello 1'], ['MessageReceived', 'hello 2'], ['MessageReceived', 'hello 3'], ['MessageReceived', 'hello 4'], ['SessionReset', undefined],
    ]);
    expect((await ledger.account('alice', { device: 'phone' }).getLocalSession({ sessionId: 'p2p-bob' }))!.unread).to.equal(0);
  });

  it('S10.2 a schema 1 MessageReceived loses its readBy: the current session is read from the account stream', () => {
    const data = { sessionId: 'p2p-bob', message: {}, delivery: 'online', device: 'pc', counting: true, readBy: { devices: ['pc'], accountWide: false } };
    const event = { id: 'e', type: 'MessageReceived', data, metadata: { schemaVersion: 1 }, streamName: 's', revision: 0n, position: { commit: 1n, prepare: 1n } } as RecordedEvent;
    const { readBy: _readBy, ...rest } = data;
    expect(upcast(event)).to.deep.include({ data: rest, metadata: { schemaVersion: SCHEMA_VERSION } });
  });

  it('S7.5 S10.2 a schema 2 SessionDeleted at the ledger clock becomes a deletion point without a message at that time, so replay hides what it hid', () => {
    const data = { sessionId: 'p2p-bob', scope: 'server', device: 'pc', at: 1234 };
    const event = { id: 'e', type: 'SessionDeleted', data, metadata: { schemaVersion: 2 }, streamName: 's', revision: 0n, position: { commit: 1n, prepare: 1n } } as RecordedEvent;
    expect(upcast(event)).to.deep.include({ data: { sessionId: 'p2p-bob', scope: 'server', device: 'pc', point: { time: 1234 } }, metadata: { schemaVersion: SCHEMA_VERSION } });
  });

  it('S10.2 an event of the current schema passes through the upcasters unchanged', () => {
    const event = { id: 'e', type: 'MessageSent', data: { message: {}, delivery: 'online' }, metadata: { schemaVersion: SCHEMA_VERSION }, streamName: 's', revision: 0n, position: { commit: 1n, prepare: 1n } } as RecordedEvent;
    expect(upcast(event)).to.equal(event);
  });
});
