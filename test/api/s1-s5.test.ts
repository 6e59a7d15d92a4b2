import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { ValidationError } from '../../application/errors.js';
import { p2p, team } from '../support/messages.js';
import { onEachStore, record } from '../support/ledger-fixture.js';

onEachStore('S1 identity through the API', ({ fx }) => {
  it('S1.1/S1.2 a p2p message files under p2p-<peer> on both ends; a team message under team-<id>', async () => {
    const { ledger } = fx();
    const alice = ledger.account('alice');
    const bob = ledger.account('bob');
    await alice.receiveMessage(p2p('bob', 'alice', 10));
    await alice.receiveMessage(team('carol', 't1', 11));
    expect((await alice.getLocalSessions()).sessions.map((s) => [s.id, s.scene, s.to])).to.deep.equal([['team-t1', 'team', 't1'], ['p2p-bob', 'p2p', 'bob']]);
    await bob.sendMessage(p2p('bob', 'alice', 12));
    expect((await bob.getLocalSessions()).sessions.map((s) => s.id)).to.deep.equal(['p2p-alice']);
  });
  it('S1.3 the same message is outgoing in the sender\'s list (no unread) and incoming in the peer\'s', async () => {
    const { ledger } = fx();
    await ledger.account('bob').getTotalUnread(); // S4: bob's device counts from its registration
    await ledger.account('alice').sendMessage(p2p('alice', 'bob', 1));
    const h = async (account: string, id: string) => (await ledger.history({ account, sessionId: id })).map((e) => e.type);
    expect(await h('alice', 'p2p-bob')).to.deep.equal(['MessageSent']);
    expect(await h('bob', 'p2p-alice')).to.deep.equal(['MessageReceived']);
    expect([await ledger.account('alice').getTotalUnread(), await ledger.account('bob').getTotalUnread()]).to.deep.equal([0, 1]);
  });
  it('S1.4 accounts whose names share dashes never see each other\'s sessions', async () => {
    const { ledger } = fx();
    await ledger.account('a').receiveMessage(p2p('b-c', 'a', 1));
    await ledger.account('a-b').receiveMessage(p2p('c', 'a-b', 2));
    expect((await ledger.account('a').getLocalSessions()).sessions.map((s) => s.id)).to.deep.equal(['p2p-b-c']);
    expect((await ledger.account('a-b').getLocalSessions()).sessions.map((s) => s.id)).to.deep.equal(['p2p-c']);
  });
});

onEachStore('S2 messages and the list', ({ fx }) => {
  it('S2.1 receiving creates the session, sets lastMsg and updateTime, and emits one update with it', async () => {
    const { ledger } = fx();
    const view = ledger.account('alice');
    const updates = record(view.updates$);
    const m = p2p('bob', 'alice', 100);
    const session = await view.receiveMessage(m);
    expect(session).to.deep.equal({ id: 'p2p-bob', scene: 'p2p', to: 'bob', updateTime: 100, unread: 1, lastMsg: m });
    expect(updates.values).to.deep.equal([session]);
  });
  it('S2.1 sending sets lastMsg as well, without unread', async () => {
    const { ledger } = fx();
    const view = ledger.account('alice');
    const updates = record(view.updates$);
    const m = p2p('alice', 'bob', 100);
    expect(await view.sendMessage(m)).to.deep.equal({ id: 'p2p-bob', scene: 'p2p', to: 'bob', updateTime: 100, unread: 0, lastMsg: m });
    expect(updates.values).to.have.length(1);
  });
  it('S2.2 an older message never replaces lastMsg or updateTime', async () => {
    const { ledger } = fx();
    const view = ledger.account('alice');
    const newer = p2p('bob', 'alice', 200);
    await view.receiveMessage(newer);
    const after = await view.receiveMessage(p2p('bob', 'alice', 150));
    expect(after).to.deep.include({ updateTime: 200, unread: 2, lastMsg: newer });
  });
  it('S2.3 the same message online, then in roaming and offline batches, counts once and emits nothing more', async () => {
    const { ledger } = fx();
    const view = ledger.account('alice');
    const m = p2p('bob', 'alice', 100);
    await view.receiveMessage(m);
    const updates = record(view.updates$);
    const lists = record(view.sessions$);
    await view.syncMessages({ roaming: [{ ...m }], offline: [{ ...m }] });
    await view.receiveMessage({ ...m });
    expect(updates.values).to.deep.equal([]);
    expect(lists.values).to.deep.equal([]);
    expect(await view.getTotalUnread()).to.equal(1);
    expect(await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).to.have.length(1);
  });
  it('S2 a NIM SDK message with its extra fields is accepted; only the S2 fields are recorded', async () => {
    const { ledger } = fx();
    const m = p2p('bob', 'alice', 5);
    const s = await ledger.account('alice').receiveMessage({ ...m, flow: 'in', status: 'success', target: 'bob', sessionId: 'p2p-bob' } as never);
    expect(s!.lastMsg).to.deep.equal(m);
  });
  it('S2.4 the session object has exactly the seed\'s fields; msgReceiptTime is absent until a receipt', async () => {
    const { ledger } = fx();
    const s = await ledger.account('alice').receiveMessage(p2p('bob', 'alice', 5));
    expect(Object.keys(s!).sort()).to.deep.equal(['id', 'lastMsg', 'scene', 'to', 'unread', 'updateTime']);
  });
});

onEachStore('S3 sync at login', ({ fx }) => {
  it('S3.1 one onsessions call with the changed sessions, ascending by updateTime; incremental afterwards', async () => {
    const { ledger } = fx();
    const calls: string[][] = [];
    const view = ledger.account('alice', { onsessions: (list) => calls.push(list.map((s) => s.id)) });
    await view.ready;
    const updates = record(view.updates$);
    await view.syncMessages({
      roaming: [p2p('bob', 'alice', 30), p2p('alice', 'carol', 10)],
      offline: [team('dave', 't1', 20), p2p('bob', 'alice', 40)],
    });
    expect(calls).to.deep.equal([['p2p-carol', 'team-t1', 'p2p-bob']]);
    await view.syncMessages({ roaming: [p2p('bob', 'alice', 30, { idClient: 'again' })], offline: [] });
    expect(calls).to.have.length(2);
    expect(calls[1]).to.deep.equal(['p2p-bob']);
    expect(updates.values).to.deep.equal([]); // the syncing view hears about its sync once, through onsessions
  });
  it('S3.2 overlapping batches count once; a message in both batches counts as offline', async () => {
    const { ledger } = fx();
    const view = ledger.account('alice'); // mode B: roaming never counts, offline does
    const both = p2p('bob', 'alice', 10);
    const [s] = await view.syncMessages({ roaming: [both, p2p('bob', 'alice', 9)], offline: [both] });
    expect(s!.unread).to.equal(1);
    const history = await ledger.history({ account: 'alice', sessionId: 'p2p-bob' });
    expect(history.map((e) => [e.type, 'delivery' in e.data ? e.data.delivery : undefined])).to.deep.equal([['MessageReceived', 'roaming'], ['MessageReceived', 'offline']]);
  });
  it('S3.3 a new view of an account with sessions gets its most recent 100, ascending; an empty list is not sent', async () => {
    const { ledger } = fx();
    const first = ledger.account('alice', { device: 'pc' });
    for (let i = 0; i < 105; i++) await first.receiveMessage(p2p(`u${i}`, 'alice', 1000 + i));
    const lists: string[][] = [];
    const view = ledger.account('alice', { device: 'phone', onsessions: (l) => lists.push(l.map((s) => s.id)) });
    await view.ready;
    expect(lists).to.have.length(1);
    expect(lists[0]).to.have.length(100);
    expect(lists[0]![0]).to.equal('p2p-u5');
    expect(lists[0]![99]).to.equal('p2p-u104');
    const empty: unknown[] = [];
    await ledger.account('nobody', { onsessions: (l) => empty.push(l) }).ready;
    expect(empty).to.deep.equal([]);
  });
});

onEachStore('S4 unread counts', ({ fx }) => {
  const inc = (t: number, extra = {}) => p2p('bob', 'alice', t, extra);

  it('S4 outgoing messages and isUnreadable:false never count, from any device', async () => {
    const { ledger } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    await pc.receiveMessage(inc(1));
    await pc.receiveMessage(inc(2, { isUnreadable: false }));
    await ledger.account('alice', { device: 'phone' }).sendMessage(p2p('alice', 'bob', 3));
    expect(await pc.getTotalUnread()).to.equal(1);
  });

  it('S4 mode A: the account-wide mark is shared; a reset on one mode-A device clears every mode-A device', async () => {
    const { ledger } = fx();
    const a1 = ledger.account('alice', { device: 'a1', syncSessionUnread: true });
    const a2 = ledger.account('alice', { device: 'a2', syncSessionUnread: true });
    const b = ledger.account('alice', { device: 'b' });
    await Promise.all([a1.ready, a2.ready, b.ready]);
    await a1.syncMessages({ roaming: [inc(1)], offline: [inc(2)] });
    await a1.receiveMessage(inc(3));
    expect(await a2.getTotalUnread()).to.equal(3); // roaming counts too in mode A
    expect(await b.getTotalUnread()).to.equal(2); // mode B: roaming never counts
    const a2Updates = record(a2.updates$);
    await a1.resetSessionUnread('p2p-bob');
    expect(await a1.getTotalUnread()).to.equal(0);
    expect(await a2.getTotalUnread()).to.equal(0);
    expect(a2Updates.values.map((s) => s.unread)).to.deep.equal([0]);
    expect(await b.getTotalUnread()).to.equal(2);
  });

  it('S4 mode B: online and offline count against this device\'s mark; resets stay on this device', async function () {
    const f = fx();
    const b1 = f.ledger.account('alice', { device: 'b1' });
    const b2 = f.ledger.account('alice', { device: 'b2' });
    await Promise.all([b1.ready, b2.ready]);
    await b1.syncMessages({ roaming: [inc(1)], offline: [inc(2), inc(3)] });
    await b1.receiveMessage(inc(4));
    expect(await b1.getTotalUnread()).to.equal(3);
    await b1.resetSessionUnread('p2p-bob');
    expect(await b1.getTotalUnread()).to.equal(0);
    expect(await b2.getTotalUnread()).to.equal(3); // resets affect this device only
  });

  it('S4 mode C: each sync starts afresh: unread is that sync\'s counting offline messages, then online ones count', async () => {
    const { ledger } = fx();
    const c = ledger.account('alice', { device: 'c', db: false });
    await c.ready;
    await c.receiveMessage(inc(1));
    expect(await c.getTotalUnread()).to.equal(1);
    await c.syncMessages({ roaming: [inc(2)], offline: [inc(3), inc(4), p2p('alice', 'bob', 5)] });
    expect(await c.getTotalUnread()).to.equal(2);
    await c.receiveMessage(inc(6));
    expect(await c.getTotalUnread()).to.equal(3);
    await c.syncMessages({ offline: [inc(7)] });
    expect(await c.getTotalUnread()).to.equal(1);
  });

  it('S4 mode C: an offline message already recorded online by another device still counts in this sync', async () => {
    const { ledger } = fx();
    const b = ledger.account('alice', { device: 'b' });
    const c = ledger.account('alice', { device: 'c', db: false });
    await Promise.all([b.ready, c.ready]);
    const m = inc(10);
    await b.receiveMessage(m);
    await c.syncMessages({ offline: [m] });
    expect(await c.getTotalUnread()).to.equal(1);
  });

  it('S4 mode D: offline messages are marked read as they arrive; online ones count', async () => {
    const { ledger } = fx();
    const d = ledger.account('alice', { device: 'd', db: false, autoMarkRead: true });
    await d.ready;
    await d.syncMessages({ roaming: [inc(1)], offline: [inc(2), inc(3)] });
    expect(await d.getTotalUnread()).to.equal(0);
    await d.receiveMessage(inc(4));
    expect(await d.getTotalUnread()).to.equal(1);
    await d.syncMessages({ offline: [inc(5)] });
    expect(await d.getTotalUnread()).to.equal(0);
  });

  it('S4 a message is recorded once for the account; its delivery kind is fixed by the first device', async () => {
    const { ledger } = fx();
    const b1 = ledger.account('alice', { device: 'b1' });
    const b2 = ledger.account('alice', { device: 'b2' });
    await Promise.all([b1.ready, b2.ready]);
    const m = inc(10);
    await b1.syncMessages({ roaming: [m] });
    await b2.syncMessages({ offline: [m] });
    expect(await b2.getTotalUnread()).to.equal(0); // roaming for the whole account
  });

  it('S4.1 the mark only moves forward: a late message older than what was read never counts', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(inc(100));
    await v.resetSessionUnread('p2p-bob');
    await v.receiveMessage(inc(50));
    expect(await v.getTotalUnread()).to.equal(0);
    await v.receiveMessage(inc(150));
    expect(await v.getTotalUnread()).to.equal(1);
  });

  it('S4.2 setCurrSession zeroes unread, emits an update, and later messages in it do not count', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(inc(1));
    await v.receiveMessage(p2p('carol', 'alice', 2));
    const updates = record(v.updates$);
    const s = await v.setCurrSession('p2p-bob');
    expect(s).to.deep.include({ id: 'p2p-bob', unread: 0 });
    expect(updates.values.map((u) => [u.id, u.unread])).to.deep.equal([['p2p-bob', 0]]);
    await v.receiveMessage(inc(3));
    await v.receiveMessage(p2p('carol', 'alice', 4));
    expect((await v.getLocalSession({ sessionId: 'p2p-bob' }))!.unread).to.equal(0);
    expect((await v.getLocalSession({ sessionId: 'p2p-carol' }))!.unread).to.equal(2);
    await v.setCurrSession('p2p-carol');
    await v.receiveMessage(inc(5));
    expect((await v.getLocalSession({ sessionId: 'p2p-bob' }))!.unread).to.equal(1); // no longer current
  });

  it('S4.2 mode A: setCurrSession clears every mode-A device, and messages while current stay read there too', async () => {
    const { ledger } = fx();
    const a1 = ledger.account('alice', { device: 'a1', syncSessionUnread: true });
    const a2 = ledger.account('alice', { device: 'a2', syncSessionUnread: true });
    await Promise.all([a1.ready, a2.ready]);
    await a1.receiveMessage(inc(1));
    await a1.setCurrSession('p2p-bob');
    expect(await a2.getTotalUnread()).to.equal(0);
    await a2.receiveMessage(inc(2));
    expect(await a1.getTotalUnread()).to.equal(0);
    expect(await a2.getTotalUnread()).to.equal(0);
  });

  it('S4.3 resetSessionUnread zeroes unread with an update; later messages count again', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(inc(1));
    await v.receiveMessage(inc(2));
    const updates = record(v.updates$);
    expect((await v.resetSessionUnread('p2p-bob'))!.unread).to.equal(0);
    expect(updates.values.map((u) => u.unread)).to.deep.equal([0]);
    await v.receiveMessage(inc(3));
    expect(await v.getTotalUnread()).to.equal(1);
  });

  it('S4.4 resetAllSessionUnread: one update per session that had unread', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(inc(1));
    await v.receiveMessage(p2p('carol', 'alice', 2));
    await v.sendMessage(p2p('alice', 'dave', 3));
    const updates = record(v.updates$);
    await v.resetAllSessionUnread();
    expect(updates.values.map((u) => [u.id, u.unread]).sort()).to.deep.equal([['p2p-bob', 0], ['p2p-carol', 0]]);
    expect(await v.getTotalUnread()).to.equal(0);
    await v.receiveMessage(inc(4));
    expect(await v.getTotalUnread()).to.equal(1);
  });

  it('S4.5 resetCurrSession: messages count again in the former current session', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(inc(1));
    await v.setCurrSession('p2p-bob');
    await v.resetCurrSession();
    await v.receiveMessage(inc(2));
    expect(await v.getTotalUnread()).to.equal(1);
  });

  it('S4.6 unknown ids in setCurrSession and resetSessionUnread resolve without effect and emit nothing', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(inc(1));
    await v.setCurrSession('p2p-bob');
    const updates = record(v.updates$);
    expect(await v.setCurrSession('p2p-nobody')).to.equal(null);
    expect(await v.resetSessionUnread('team-none')).to.equal(null);
    expect(updates.values).to.deep.equal([]);
    await v.receiveMessage(inc(2));
    expect(await v.getTotalUnread()).to.equal(0); // p2p-bob is still current
    expect(await ledger.history({ account: 'alice', sessionId: 'p2p-nobody' })).to.deep.equal([]);
  });

  it('S4.7 getTotalUnread equals the sum over every page, and a replay of the history gives the same counts', async () => {
    const { ledger, clock } = fx();
    const v = ledger.account('alice');
    for (let i = 0; i < 230; i++) await v.receiveMessage(p2p(`u${i % 150}`, 'alice', 10 + i));
    await v.resetSessionUnread('p2p-u3');
    let sum = 0;
    let lastSessionId: string | undefined;
    for (;;) {
      const { sessions } = await v.getLocalSessions({ limit: 40, ...(lastSessionId && { lastSessionId }) });
      if (sessions.length === 0) break;
      sum += sessions.reduce((n, s) => n + s.unread, 0);
      lastSessionId = sessions[sessions.length - 1]!.id;
    }
    expect(sum).to.equal(await v.getTotalUnread());
    expect(sum).to.equal(228);
    const replayed = await ledger.sessionsAt({ account: 'alice', at: clock.now });
    expect(replayed.reduce((n, s) => n + s.unread, 0)).to.equal(sum);
  });
});

onEachStore('S5 read receipts', ({ fx }) => {
  it('S5.1 A\'s receipt sets msgReceiptTime on B\'s session p2p-A, and B\'s views hear of it', async () => {
    const { ledger } = fx();
    const alice = ledger.account('alice');
    const bob = ledger.account('bob');
    const m = p2p('bob', 'alice', 100);
    await bob.sendMessage(m);
    const updates = record(bob.updates$);
    expect(await alice.sendMsgReceipt({ msg: m })).to.equal(true);
    expect(await bob.getLocalSession({ sessionId: 'p2p-alice' })).to.deep.include({ msgReceiptTime: 100 });
    expect(updates.values.map((s) => s.msgReceiptTime)).to.deep.equal([100]);
  });
  it('S5.2 msgReceiptTime is monotonic; without B\'s session the receipt is ignored; team receipts are refused', async () => {
    const { ledger } = fx();
    const alice = ledger.account('alice');
    const bob = ledger.account('bob');
    const late = p2p('bob', 'alice', 200);
    await bob.sendMessage(late);
    await alice.sendMsgReceipt({ msg: late });
    const updates = record(bob.updates$);
    expect(await alice.sendMsgReceipt({ msg: p2p('bob', 'alice', 150) })).to.equal(false);
    expect((await bob.getLocalSession({ sessionId: 'p2p-alice' }))!.msgReceiptTime).to.equal(200);
    expect(updates.values).to.deep.equal([]);
    expect(await alice.sendMsgReceipt({ msg: p2p('zed', 'alice', 5) })).to.equal(false);
    expect(await ledger.history({ account: 'zed', sessionId: 'p2p-alice' })).to.deep.equal([]);
    const error = await alice.sendMsgReceipt({ msg: team('bob', 't1', 5) }).catch((e) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect(error.errors[0].field).to.equal('msg.scene');
  });
  it('S5.3 isMsgRemoteRead is true iff the message is outgoing and not after msgReceiptTime', async () => {
    const { ledger } = fx();
    const alice = ledger.account('alice');
    const bob = ledger.account('bob');
    const m1 = p2p('bob', 'alice', 100);
    const m2 = p2p('bob', 'alice', 200);
    await bob.sendMessage(m1);
    await bob.sendMessage(m2);
    await alice.sendMsgReceipt({ msg: m1 });
    expect(bob.isMsgRemoteRead(m1)).to.equal(true);
    expect(bob.isMsgRemoteRead(m2)).to.equal(false);
    expect(alice.isMsgRemoteRead(m1)).to.equal(false); // incoming for alice
  });
});

onEachStore('S10.5 read your writes', ({ fx }) => {
  it('S10.5 a command resolves after the issuing view\'s callbacks were delivered', async () => {
    const { ledger } = fx();
    let seen = 0;
    const v = ledger.account('alice', { onupdatesession: () => seen++ });
    const first = firstValueFrom(v.updates$);
    await v.receiveMessage(p2p('bob', 'alice', 1));
    expect(seen).to.equal(1);
    expect((await first).unread).to.equal(1);
  });
});
