import { expect } from 'chai';
import { ValidationError } from '../../application/errors.js';
import type { Message } from '../../domain/message.js';
import { MAX_APPEND_BYTES, MAX_TEXT_LENGTH } from '../../domain/event-size.js';
import { eventBytes } from '../../application/write/append-split.js';
import type { HistoryEntry } from '../../application/read/audit.js';
import { onEachStore, record } from '../support/ledger-fixture.js';
import { p2p } from '../support/messages.js';
import { rejection } from '../support/rejection.js';
import type { EventStore } from '../../application/ports/event-store.js';
import { accountStream } from '../../domain/identity.js';

/** `count` messages from `from` to alice, each of about 1 KB once recorded (long ids, a long text) */
function bulky(from: string, count: number, start: number): Message[] {
  return Array.from({ length: count }, (_, i) => p2p(from, 'alice', start + i, { idClient: `${'k'.repeat(280)}-${start + i}`, text: 'x'.repeat(600) }));
}

/** each append of a history's events (a run of one step, told apart by its split mark) takes at most MAX_APPEND_BYTES */
function largestAppend(entries: readonly HistoryEntry[]): { bytes: number; appends: number } {
  const sizes = new Map<string, number>();
  for (const e of entries) {
    const m = e.metadata as { idempotencyKey?: string; split?: [number, number] };
    const key = `${m.idempotencyKey}#${m.split?.[0] ?? 0}`;
    sizes.set(key, (sizes.get(key) ?? 0) + eventBytes({ type: e.type, data: e.data, metadata: e.metadata as unknown as Record<string, unknown> }));
  }
  return { bytes: Math.max(...sizes.values()), appends: sizes.size };
}

onEachStore('issue 9: no event or append the ledger writes outgrows EventStoreDB\'s default limits', ({ fx }) => {
  it('issue 9 S3.1 a sync of one session too big for one append (3,000 messages, about 3 MB) records each once, in appends of at most 1 MiB, with one onsessions', async function () {
    this.timeout(60_000);
    const { ledger, server } = fx();
    const laptop = ledger.account('alice', { device: 'laptop', db: false }); // mode C: the offline batch is recorded too
    await laptop.getTotalUnread();
    const seen = record(laptop.sessions$);
    const offline = bulky('bob', 3_000, 1_000);
    const changed = await laptop.syncMessages({ offline });
    seen.stop();
    expect(changed.map((s) => [s.id, s.unread])).to.deep.equal([['p2p-bob', 3_000]]);
    expect(seen.values.map((list) => list.map((s) => s.id))).to.deep.equal([['p2p-bob']]);
    const history = await ledger.history({ account: 'alice', sessionId: 'p2p-bob' });
    const received = history.filter((e) => e.type === 'MessageReceived');
    expect(received).to.have.length(3_000);
    expect(new Set(received.map((e) => (e.data as { message: Message }).message.idClient)).size).to.equal(3_000);
    const batches = history.filter((e) => e.type === 'OfflineBatchSynced');
    expect(batches.length).to.be.greaterThan(1); // 3,000 keys of ~290 bytes: several events of at most 256 KiB
    expect(batches.flatMap((e) => (e.data as { keys: readonly string[] }).keys)).to.have.length(3_000);
    const { bytes, appends } = largestAppend(history);
    expect(bytes).to.be.at.most(MAX_APPEND_BYTES);
    expect(appends).to.be.greaterThan(3);
    expect(await laptop.getTotalUnread()).to.equal(3_000);
    if (server) expect(server.refusedAppends).to.equal(0);
    // the read models after a restart say the same (the batch's parts fold into one batch)
    if (fx().storeUrl !== 'memory') {
      const again = await fx().reopen();
      expect(await again.account('alice', { device: 'laptop', db: false }).getTotalUnread()).to.equal(3_000);
    }
  });

  it('issue 9 S10.1 a message text or custom longer than 65,536 characters is refused naming the field, and nothing is appended', async () => {
    const { ledger } = fx();
    const alice = ledger.account('alice');
    const long = 'y'.repeat(MAX_TEXT_LENGTH + 1);
    const text = await rejection(alice.receiveMessage(p2p('bob', 'alice', 5, { text: long })));
    expect(text).to.be.instanceOf(ValidationError);
    expect((text as ValidationError).errors.map((e) => e.field)).to.deep.equal(['message.text']);
    const custom = await rejection(alice.syncMessages({ offline: [p2p('bob', 'alice', 6), p2p('bob', 'alice', 7, { custom: long })] }));
    expect((custom as ValidationError).errors.map((e) => e.field)).to.deep.equal(['offline[1].custom']);
    expect(await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).to.deep.equal([]);
    await alice.receiveMessage(p2p('bob', 'alice', 8, { text: 'y'.repeat(MAX_TEXT_LENGTH) })); // the limit itself is taken
    const local = await rejection(alice.updateLocalSession({ id: 'p2p-bob', localCustom: long }));
    expect((local as ValidationError).errors.map((e) => e.field)).to.deep.equal(['localCustom']);
    expect((await alice.getLocalSession({ sessionId: 'p2p-bob' }))?.localCustom).to.equal(undefined);
  });

  it('issue 9 S4.4 resetAllSessionUnread over more sessions than one event holds records its choice in several events and resets every one', async function () {
    this.timeout(60_000);
    const { ledger, server } = fx();
    const alice = ledger.account('alice');
    await alice.getTotalUnread();
    const peers = Array.from({ length: 600 }, (_, i) => `${'peer'.repeat(120)}${i}`); // ids of ~490 bytes: ~290 KiB in all
    await alice.syncMessages({ offline: peers.map((peer, i) => p2p(peer, 'alice', 10 + i)) });
    expect(await alice.getTotalUnread()).to.equal(600);
    const reset = await alice.resetAllSessionUnread();
    expect(new Set(reset).size).to.equal(600);
    expect(await alice.getTotalUnread()).to.equal(0);
    const store = (ledger as unknown as { store: EventStore }).store;
    const chosen = (await store.readStream(accountStream('alice'))).filter((e) => e.type === 'AllSessionUnreadReset');
    expect(chosen.length).to.be.greaterThan(1);
    expect(chosen.flatMap((e) => (e.data as { sessionIds: string[] }).sessionIds)).to.have.length(600);
    for (const e of chosen) expect(eventBytes(e)).to.be.at.most(300 * 1024);
    if (server) expect(server.refusedAppends).to.equal(0);
  });
});
