import { expect } from 'chai';
import { CommandRejectedError, UnknownSessionCursorError, ValidationError } from '../../application/errors.js';
import { DeleteSession, InsertLocalSession, ReceiveMessage, ResetSessionUnread, SendMessage, SetCurrentSession, SyncMessages, UpdateLocalSession } from '../../application/write/commands/index.js';
import type { AnyCommand } from '../../application/write/command-bus.js';
import { GetLocalSessions } from '../../application/read/session-queries.js';
import { EventTypes, SCHEMA_VERSION } from '../../domain/events.js';
import { messageKey } from '../../domain/message.js';
import { p2p, team, messageIds } from '../support/messages.js';
import { onEachStore, record } from '../support/ledger-fixture.js';

onEachStore('S6 queries', ({ fx }) => {
  async function seed(n: number, equalTimes = false) {
    const v = fx().ledger.account('alice');
    for (let i = 0; i < n; i++) await v.receiveMessage(p2p(`u${String(i).padStart(3, '0')}`, 'alice', equalTimes ? 500 : 1000 + i));
    return v;
  }

  it('S6.1 most recent first by (updateTime, id); reverse is exactly the reverse; paging yields each once', async () => {
    const v = await seed(7);
    for (let i = 0; i < 3; i++) await v.receiveMessage(p2p(`same${i}`, 'alice', 1003));
    const all = (await v.getLocalSessions()).sessions.map((s) => s.id);
    expect(all.slice(0, 3)).to.deep.equal(['p2p-u006', 'p2p-u005', 'p2p-u004']);
    expect(all.slice(3, 7)).to.deep.equal(['p2p-u003', 'p2p-same2', 'p2p-same1', 'p2p-same0']);
    expect((await v.getLocalSessions({ reverse: true })).sessions.map((s) => s.id)).to.deep.equal([...all].reverse());
    for (const reverse of [false, true]) {
      const seen: string[] = [];
      let lastSessionId: string | undefined;
      for (;;) {
        const { sessions } = await v.getLocalSessions({ limit: 3, reverse, ...(lastSessionId && { lastSessionId }) });
        if (!sessions.length) break;
        seen.push(...sessions.map((s) => s.id));
        lastSessionId = sessions[sessions.length - 1]!.id;
      }
      expect(seen).to.deep.equal(reverse ? [...all].reverse() : all);
    }
  });
  it('S6.1 limit defaults to 100 and is clamped to 1..100', async () => {
    const v = await seed(120, true);
    expect((await v.getLocalSessions()).sessions).to.have.length(100);
    expect((await v.getLocalSessions({ limit: 500 })).sessions).to.have.length(100);
    expect((await v.getLocalSessions({ limit: 0 })).sessions).to.have.length(1);
    expect((await v.getLocalSessions({ limit: -4 })).sessions).to.have.length(1);
  });
  it('S6.1 an unknown lastSessionId rejects with a clear error', async () => {
    const v = await seed(2);
    const error = await v.getLocalSessions({ lastSessionId: 'p2p-ghost' }).catch((e) => e);
    expect(error).to.be.instanceOf(UnknownSessionCursorError);
    expect(error.message).to.contain('p2p-ghost');
  });
  it('S6.2 getLocalSession resolves the session or null', async () => {
    const v = await seed(1);
    expect((await v.getLocalSession({ sessionId: 'p2p-u000' }))!.id).to.equal('p2p-u000');
    expect(await v.getLocalSession({ sessionId: 'p2p-nobody' })).to.equal(null);
  });
  it('S6.3 getLocalSessionsByMsgType: lastMsg is the newest message of an allowed type, ordered by its time', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    const img1 = p2p('bob', 'alice', 10, { type: 'image' });
    await v.receiveMessage(img1);
    await v.receiveMessage(p2p('bob', 'alice', 30));
    const img2 = p2p('carol', 'alice', 20, { type: 'image' });
    await v.receiveMessage(img2);
    await v.receiveMessage(p2p('dave', 'alice', 40));
    const { sessions } = await v.getLocalSessionsByMsgType({ exclude: ['text'] });
    expect(sessions.map((s) => [s.id, s.lastMsg])).to.deep.equal([['p2p-carol', img2], ['p2p-bob', img1]]);
    const page2 = await v.getLocalSessionsByMsgType({ exclude: ['text'], limit: 1, lastSessionId: 'p2p-carol' });
    expect(page2.sessions.map((s) => s.id)).to.deep.equal(['p2p-bob']);
    expect((await v.getLocalSessionsByMsgType({ exclude: [] })).sessions.map((s) => s.id)).to.deep.equal(['p2p-dave', 'p2p-bob', 'p2p-carol']);
  });
  it('S6.4 deleted sessions appear in no query until a new message revives them', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(p2p('bob', 'alice', 10, { type: 'image' }));
    await v.deleteLocalSession({ id: 'p2p-bob' });
    expect((await v.getLocalSessions()).sessions).to.deep.equal([]);
    expect(await v.getLocalSession({ sessionId: 'p2p-bob' })).to.equal(null);
    expect((await v.getLocalSessionsByMsgType({ exclude: [] })).sessions).to.deep.equal([]);
    expect(await v.getTotalUnread()).to.equal(0);
  });
});

onEachStore('S7 changing the list', ({ fx }) => {
  it('S7.1 insertLocalSession: empty session, updateTime above every other and the clock; or the given one', async () => {
    const { ledger, clock } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(p2p('bob', 'alice', clock.now + 5000));
    const { session } = await v.insertLocalSession({ scene: 'team', to: 't9' });
    expect(session).to.deep.equal({ id: 'team-t9', scene: 'team', to: 't9', updateTime: clock.now + 5001, unread: 0 });
    clock.now += 10_000; // the clock overtakes every session: the next insert goes above it
    expect((await v.insertLocalSession({ scene: 'team', to: 't10' })).session.updateTime).to.equal(clock.now + 1);
    expect((await v.getLocalSessions()).sessions.slice(0, 2).map((s) => s.id)).to.deep.equal(['team-t10', 'team-t9']);
    const given = await v.insertLocalSession({ scene: 'p2p', to: 'zoe', updateTime: 7 });
    expect(given.session.updateTime).to.equal(7);
    const later = await ledger.account('carol').insertLocalSession({ scene: 'p2p', to: 'x' });
    expect(later.session.updateTime).to.equal(clock.now + 1);
  });
  it('S7.1 inserting a session that is in the list rejects and appends nothing', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(p2p('bob', 'alice', 10));
    const error = await v.insertLocalSession({ scene: 'p2p', to: 'bob' }).catch((e) => e);
    expect(error).to.be.instanceOf(CommandRejectedError);
    expect(error.code).to.equal('SessionAlreadyExists');
    expect(await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).to.have.length(1);
  });
  it('S7.1 an insert is local to its device: other devices keep their list, a newer message makes it ordinary', async () => {
    const { ledger, clock } = fx();
    const x = ledger.account('alice', { device: 'x' });
    const y = ledger.account('alice', { device: 'y' });
    await Promise.all([x.ready, y.ready]);
    const old = p2p('bob', 'alice', clock.now - 10);
    await x.receiveMessage(old);
    await x.deleteLocalSession({ id: 'p2p-bob' });
    const yUpdates = record(y.updates$);
    const { session } = await x.insertLocalSession({ scene: 'p2p', to: 'bob' });
    expect(session).to.deep.equal({ id: 'p2p-bob', scene: 'p2p', to: 'bob', updateTime: clock.now + 1, unread: 0 });
    expect(await y.getLocalSession({ sessionId: 'p2p-bob' })).to.deep.equal({ id: 'p2p-bob', scene: 'p2p', to: 'bob', updateTime: clock.now - 10, unread: 1, lastMsg: old });
    expect(yUpdates.values).to.deep.equal([]);
    await x.insertLocalSession({ scene: 'team', to: 'mine' });
    expect(await y.getLocalSession({ sessionId: 'team-mine' })).to.equal(null);
    const newer = p2p('bob', 'alice', clock.now + 10);
    await y.receiveMessage(newer);
    expect(await x.getLocalSession({ sessionId: 'p2p-bob' })).to.deep.equal({ id: 'p2p-bob', scene: 'p2p', to: 'bob', updateTime: clock.now + 10, unread: 1, lastMsg: newer });
  });
  it('S7.1 after a server delete, an insert shows on the inserting device only', async () => {
    const { ledger } = fx();
    const x = ledger.account('alice', { device: 'x' });
    const y = ledger.account('alice', { device: 'y' });
    await Promise.all([x.ready, y.ready]);
    await x.receiveMessage(p2p('bob', 'alice', 100));
    await y.deleteSession({ scene: 'p2p', to: 'bob' });
    await x.insertLocalSession({ scene: 'p2p', to: 'bob' });
    expect((await x.getLocalSessions()).sessions.map((s) => [s.id, s.unread, 'lastMsg' in s])).to.deep.equal([['p2p-bob', 0, false]]);
    expect((await y.getLocalSessions()).sessions).to.deep.equal([]);
  });
  it('S7.1 an inserted session stays when a message older than the server delete\'s point arrives; domain and read model agree', async () => {
    const { ledger, clock } = fx();
    const v = ledger.account('alice', { device: 'd1' });
    await v.receiveMessage(p2p('bob', 'alice', clock.now - 500));
    await v.deleteSession({ scene: 'p2p', to: 'bob' });
    await v.insertLocalSession({ scene: 'p2p', to: 'bob' });
    await v.syncMessages({ offline: [p2p('bob', 'alice', clock.now - 600)] });
    expect(await v.getLocalSession({ sessionId: 'p2p-bob' })).to.deep.include({ id: 'p2p-bob', unread: 0 });
    const error = await v.insertLocalSession({ scene: 'p2p', to: 'bob' }).catch((e) => e);
    expect(error.code).to.equal('SessionAlreadyExists');
    expect(await v.updateLocalSession({ id: 'p2p-bob', localCustom: 'x' })).to.deep.include({ localCustom: 'x' });
  });
  it('S7.2 updateLocalSession changes only localCustom; an unknown id resolves null', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    const before = await v.receiveMessage(p2p('bob', 'alice', 10));
    const after = await v.updateLocalSession({ id: 'p2p-bob', localCustom: '{"pin":true}', unread: 99, updateTime: 1 });
    expect(after).to.deep.equal({ ...before, localCustom: '{"pin":true}' });
    expect(await v.updateLocalSession({ id: 'p2p-ghost', localCustom: 'x' })).to.equal(null);
    expect(await ledger.account('alice', { device: 'other' }).getLocalSession({ sessionId: 'p2p-bob' })).to.not.have.property('localCustom');
  });
  it('S7.3 deleteLocalSession: one id or many, unknown ids succeed, other devices keep it; revival counts only newer messages', async () => {
    const { ledger, clock } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    const phone = ledger.account('alice', { device: 'phone' });
    await Promise.all([pc.ready, phone.ready]);
    await pc.receiveMessage(p2p('bob', 'alice', clock.now - 10));
    await pc.receiveMessage(p2p('carol', 'alice', clock.now - 5));
    await pc.deleteLocalSession({ id: 'p2p-bob' });
    await pc.deleteLocalSession({ id: ['p2p-carol', 'p2p-ghost', 'not-an-id'] });
    expect((await pc.getLocalSessions()).sessions).to.deep.equal([]);
    expect((await phone.getLocalSessions()).sessions.map((s) => s.id)).to.deep.equal(['p2p-carol', 'p2p-bob']);
    clock.now += 100;
    const revived = await pc.receiveMessage(p2p('bob', 'alice', clock.now));
    expect(revived).to.deep.include({ id: 'p2p-bob', unread: 1 });
    expect((await phone.getLocalSession({ sessionId: 'p2p-bob' }))!.unread).to.equal(2);
  });
  it('S7.4 deleteSession removes the session from every device; older messages never revive it, newer ones do', async () => {
    const { ledger, clock } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    const phone = ledger.account('alice', { device: 'phone' });
    await Promise.all([pc.ready, phone.ready]);
    const old = p2p('bob', 'alice', clock.now - 10);
    await pc.receiveMessage(old);
    await pc.deleteSession({ scene: 'p2p', to: 'bob' });
    expect((await phone.getLocalSessions()).sessions).to.deep.equal([]);
    await phone.syncMessages({ roaming: [old, p2p('bob', 'alice', clock.now - 13)], offline: [p2p('bob', 'alice', clock.now - 11)] });
    const fresh = ledger.account('alice', { device: 'new-tablet' });
    await fresh.syncMessages({ roaming: [p2p('bob', 'alice', clock.now - 12)] });
    for (const v of [pc, phone, fresh]) expect((await v.getLocalSessions()).sessions).to.deep.equal([]);
    const newer = p2p('bob', 'alice', clock.now + 1);
    await phone.receiveMessage(newer);
    for (const v of [pc, phone]) expect(await v.getLocalSession({ sessionId: 'p2p-bob' })).to.deep.include({ unread: 1, lastMsg: newer });
  });
  it('S7.4 S7.5 retrying deleteSession with its commandId later changes nothing; a new delete with nothing newer neither; after a newer message it moves the point', async () => {
    const { ledger, clock } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(p2p('bob', 'alice', clock.now - 10));
    const first = clock.now - 10;
    await ledger.commands.dispatch(new DeleteSession({ account: 'alice', scene: 'p2p', to: 'bob' }), { commandId: 'del-1' });
    clock.now += 1000;
    await ledger.commands.dispatch(new DeleteSession({ account: 'alice', scene: 'p2p', to: 'bob' }), { commandId: 'del-1' });
    const deletes = async () => (await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).filter((e) => e.type === 'SessionDeleted').map((e) => e.data.point.time);
    expect(await deletes()).to.deep.equal([first]);
    await v.deleteSession({ scene: 'p2p', to: 'bob' });
    expect(await deletes()).to.deep.equal([first]);
    await v.receiveMessage(p2p('bob', 'alice', first + 5));
    await v.deleteSession({ scene: 'p2p', to: 'bob' });
    expect(await deletes()).to.deep.equal([first, first + 5]);
    await ledger.account('alice', { device: 'new' }).syncMessages({ roaming: [p2p('bob', 'alice', first + 3)] });
    expect(await v.getLocalSession({ sessionId: 'p2p-bob' })).to.equal(null); // before the second delete's point
  });
  it('S10.2 every command dispatched again with its commandId resolves without a second effect', async () => {
    const { ledger, clock } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(p2p('bob', 'alice', 1));
    const twice = async (make: () => AnyCommand, id: string) => {
      const a = await ledger.commands.dispatch(make(), { commandId: id });
      clock.now += 5;
      const b = await ledger.commands.dispatch(make(), { commandId: id });
      return [a, b];
    };
    await twice(() => new ResetSessionUnread({ account: 'alice', sessionId: 'p2p-bob' }), 'r1');
    await twice(() => new UpdateLocalSession({ account: 'alice', id: 'p2p-bob', localCustom: 'x' }), 'u1');
    await twice(() => new SetCurrentSession({ account: 'alice', sessionId: 'p2p-bob' }), 's1');
    const [inserted, again] = await twice(() => new InsertLocalSession({ account: 'alice', scene: 'team', to: 't1' }), 'i1');
    expect(again).to.deep.equal(inserted);
    const h = await ledger.history({ account: 'alice', sessionId: 'p2p-bob' });
    expect(h.map((e) => e.type)).to.deep.equal(['MessageReceived', 'SessionReset', 'LocalCustomUpdated', 'CurrentSessionSet']);
  });
  it('S7.4 deleteSessions deletes several at once', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(p2p('bob', 'alice', 1));
    await v.receiveMessage(team('bob', 't1', 2));
    await v.receiveMessage(p2p('carol', 'alice', 3));
    await v.deleteSessions({ sessions: [{ scene: 'p2p', to: 'bob' }, { scene: 'team', to: 't1' }] });
    expect((await v.getLocalSessions()).sessions.map((s) => s.id)).to.deep.equal(['p2p-carol']);
  });
  it('S7.6 both deletes append SessionDeleted with their scope, their deletion point (the newest message), and the device and its login for a local one', async () => {
    const { ledger, clock } = fx();
    const v = ledger.account('alice', { device: 'pc' });
    const first = p2p('bob', 'alice', 1);
    await v.receiveMessage(first);
    await v.deleteLocalSession({ id: 'p2p-bob' });
    const second = p2p('bob', 'alice', clock.now + 1);
    await v.receiveMessage(second);
    await v.deleteSession({ scene: 'p2p', to: 'bob' });
    const deletes = (await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).filter((e) => e.type === EventTypes.SessionDeleted);
    expect(deletes.map((e) => e.data)).to.deep.equal([
      { sessionId: 'p2p-bob', scope: 'local', device: 'pc', point: { time: 1, message: messageKey(first) }, login: 0 },
      { sessionId: 'p2p-bob', scope: 'server', device: 'pc', point: { time: second.time, message: messageKey(second) } },
    ]);
  });
});

onEachStore('S9 callbacks', ({ fx }) => {
  it('S9 every method honours done(error, result) as well as its Promise', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    const viaDone = <T>(call: (done: (e: Error | null, r?: T) => void) => unknown) =>
      new Promise<[Error | null, T | undefined]>((resolve) => { call((e, r) => resolve([e, r])); });
    await v.receiveMessage(p2p('bob', 'alice', 1), { done: () => undefined });
    const [e1, page] = await viaDone<{ sessions: unknown[] }>((done) => v.getLocalSessions({ done }));
    expect(e1).to.equal(null);
    expect(page!.sessions).to.have.length(1);
    const [e2, current] = await viaDone<any>((done) => v.setCurrSession('p2p-bob', done));
    expect([e2, current.unread]).to.deep.equal([null, 0]);
    const [e3, total] = await viaDone<number>((done) => v.getTotalUnread(done));
    expect([e3, total]).to.deep.equal([null, 0]);
    const [e4] = await viaDone((done) => v.getLocalSessions({ lastSessionId: 'p2p-ghost', done }));
    expect(e4).to.be.instanceOf(UnknownSessionCursorError);
    const [e5, inserted] = await viaDone<any>((done) => v.insertLocalSession({ scene: 'p2p', to: 'z', done }));
    expect([e5, inserted.session.id]).to.deep.equal([null, 'p2p-z']);
  });
  it('S9 onsessions and onupdatesession given as options receive what sessions$ and updates$ emit', async () => {
    const { ledger } = fx();
    const lists: string[][] = [];
    const updates: number[] = [];
    const v = ledger.account('alice', { onsessions: (l) => lists.push(l.map((s) => s.id)), onupdatesession: (s) => updates.push(s.unread) });
    const observed = record(v.updates$);
    await v.receiveMessage(p2p('bob', 'alice', 1));
    await v.syncMessages({ offline: [p2p('carol', 'alice', 2)] });
    expect(updates).to.deep.equal([1]);
    expect(observed.values.map((s) => s.unread)).to.deep.equal([1]);
    expect(lists).to.deep.equal([['p2p-carol']]);
  });
});

onEachStore('S10 commands, events, audit', ({ fx }) => {
  it('S10.1 bad input rejects with a ValidationError naming each bad field, and appends nothing', async () => {
    const { ledger } = fx();
    const error = await ledger.commands.dispatch(new ReceiveMessage({ account: '', message: { scene: 'chat', from: 'bob', to: 'alice', idClient: 'x', type: 'text', time: 1.5 } })).catch((e) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect(error.name).to.equal('ValidationError');
    expect(error.errors.map((e: { field: string }) => e.field).sort()).to.deep.equal(['account', 'message.scene', 'message.time']);
    expect(error.message).to.contain('message.time must be an integer');
    const batch = await ledger.commands.dispatch(new SyncMessages({ account: 'alice', offline: [p2p('bob', 'alice', 1), { from: 'bob' }] })).catch((e) => e);
    expect(batch.errors.map((e: { field: string }) => e.field)).to.include('offline[1].idClient');
    const foreign = await ledger.account('alice').receiveMessage(p2p('bob', 'carol', 1)).catch((e) => e);
    expect(foreign.errors[0].field).to.equal('message.to');
    const missing = await ledger.commands.dispatch(new ReceiveMessage({ account: 'alice', message: undefined })).catch((e) => e);
    expect(missing.errors[0].field).to.equal('message');
    const extra = await ledger.queries.execute(new GetLocalSessions({ account: 'alice', limit: 'ten' as never })).catch((e) => e);
    expect(extra.errors[0].field).to.equal('limit');
    expect(await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).to.deep.equal([]);
    expect(await ledger.sessionsAt({ account: 'alice', at: Number.MAX_SAFE_INTEGER })).to.deep.equal([]);
  });
  it('S10.1 every bad field is named at once, cross-field rules included; the audit queries are validated too', async () => {
    const { ledger } = fx();
    const sync = await ledger.commands.dispatch(new SyncMessages({ account: 'alice', offline: [p2p('bob', 'carol', 1), p2p('dan', 'erin', 2), { ...p2p('bob', 'alice', 3), time: -1 }] })).catch((e) => e);
    expect(sync.errors.map((e: { field: string }) => e.field).sort()).to.deep.equal(['offline[0].to', 'offline[1].to', 'offline[2].time']);
    const send = await ledger.account('alice').sendMessage({ ...p2p('bob', 'alice', 1), time: 1.5 }).catch((e) => e);
    expect(send.errors.map((e: { field: string }) => e.field).sort()).to.deep.equal(['message.from', 'message.time']);
    const receipt = await ledger.account('alice').sendMsgReceipt({ msg: team('alice', 't1', 1) }).catch((e) => e);
    expect(receipt.errors.map((e: { field: string }) => e.field).sort()).to.deep.equal(['msg.from', 'msg.scene', 'msg.to']);
    const at = await ledger.sessionsAt({ account: '', at: 'yesterday' as never }).catch((e) => e);
    expect([at.name, at.errors.map((e: { field: string }) => e.field)]).to.deep.equal(['ValidationError', ['account', 'at']]);
    const hist = await ledger.history({ account: 'alice', sessionId: 'bob' }).catch((e) => e);
    expect(hist.errors[0].field).to.equal('sessionId');
  });
  it('S10.2 events are past-tense facts with a schema version and full metadata', async () => {
    const { ledger, clock } = fx();
    const v = ledger.account('alice', { device: 'pc' });
    await v.receiveMessage(p2p('bob', 'alice', 1));
    await ledger.commands.dispatch(new ReceiveMessage({ account: 'alice', device: 'pc', message: p2p('bob', 'alice', 2) }), { commandId: 'c-1', correlationId: 'corr-9', causationId: 'cause-3' });
    const [, second] = await ledger.history({ account: 'alice', sessionId: 'p2p-bob' });
    expect(second!.type).to.equal('MessageReceived');
    const { idempotencyKey, commandBody, ...metadata } = second!.metadata;
    // the caller named the command: a digest of its body tells a retry from a reuse of the id
    expect(commandBody).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(metadata).to.deep.equal({
      schemaVersion: SCHEMA_VERSION, at: clock.now, account: 'alice', device: 'pc',
      commandId: 'c-1', commandType: 'ReceiveMessage', correlationId: 'corr-9', causationId: 'cause-3',
    });
    // One key per (command, stream, step): a retry finds it and appends nothing.
    expect(idempotencyKey).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('S10.2 retrying a command with the same commandId never doubles its effect', async () => {
    const { ledger } = fx();
    const cmd = () => new ReceiveMessage({ account: 'alice', message: p2p('bob', 'alice', 5, { idClient: 'fixed' }) });
    await ledger.commands.dispatch(cmd(), { commandId: 'same' });
    await ledger.commands.dispatch(cmd(), { commandId: 'same' });
    expect(await ledger.account('alice').getTotalUnread()).to.equal(1);
  });
  it('S10.2 command ids need only be unique per account, device and command: no collision across them', async () => {
    const { ledger } = fx();
    await ledger.commands.dispatch(new SendMessage({ account: 'alice', message: p2p('alice', 'bob', 1, { idClient: 'a1' }) }), { commandId: 'cmd-1' });
    await ledger.commands.dispatch(new SendMessage({ account: 'bob', message: p2p('bob', 'alice', 2, { idClient: 'b1' }) }), { commandId: 'cmd-1' });
    await ledger.commands.dispatch(new ReceiveMessage({ account: 'bob', message: p2p('alice', 'bob', 3, { idClient: 'a2' }) }), { commandId: 'cmd-1' });
    await ledger.commands.dispatch(new ReceiveMessage({ account: 'alice', device: 'tablet', message: p2p('bob', 'alice', 4, { idClient: 'b2' }) }), { commandId: 'cmd-1' });
    const ids = async (account: string, id: string) => messageIds(await ledger.history({ account, sessionId: id }));
    expect(await ids('bob', 'p2p-alice')).to.deep.equal(['a1', 'b1', 'a2']);
    expect(await ids('alice', 'p2p-bob')).to.deep.equal(['a1', 'b1', 'b2']);
  });
  it('S10.3 a command racing a view\'s registration leaves the view\'s options; each handle chooses its mode by its own options (S4)', async () => {
    const { ledger } = fx();
    const phone = ledger.account('alice', { device: 'phone', syncSessionUnread: true });
    await ledger.commands.dispatch(new ReceiveMessage({ account: 'alice', device: 'phone', message: p2p('bob', 'alice', 1) }));
    await phone.ready;
    const mode = (device: string) => ledger.reader.deviceMode('alice', device)!.mode;
    expect(mode('phone')).to.equal('A');
    await ledger.commands.dispatch(new ReceiveMessage({ account: 'alice', device: 'phone', message: p2p('bob', 'alice', 2) }));
    expect(mode('phone')).to.equal('A');
    await ledger.account('alice', { device: 'kiosk', db: false }).ready;
    expect(mode('kiosk')).to.equal('C');
    await ledger.account('alice', { device: 'kiosk', syncSessionUnread: true }).ready;
    expect(mode('kiosk')).to.equal('A');
    await ledger.account('alice', { device: 'kiosk' }).ready;
    expect(mode('kiosk')).to.equal('B');
  });
  it('S10.3 history returns the session\'s events in order with metadata; [] for a session that never existed', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(p2p('bob', 'alice', 1));
    await v.resetSessionUnread('p2p-bob');
    await v.sendMessage(p2p('alice', 'bob', 2));
    const h = await ledger.history({ account: 'alice', sessionId: 'p2p-bob' });
    expect(h.map((e) => e.type)).to.deep.equal(['MessageReceived', 'SessionReset', 'MessageSent']);
    expect(h.every((e) => e.metadata.commandType.length > 0)).to.equal(true);
    expect(await ledger.history({ account: 'alice', sessionId: 'team-never' })).to.deep.equal([]);
  });
  it('S10.3 sessionsAt rebuilds a device\'s list as it was at a ledger time, with the mode its options gave', async () => {
    const { ledger, clock } = fx();
    const a = ledger.account('alice', { device: 'sync', syncSessionUnread: true });
    await a.ready;
    const t0 = clock.now;
    await a.syncMessages({ roaming: [p2p('bob', 'alice', 1)] });
    clock.now += 10;
    const t1 = clock.now;
    await a.receiveMessage(p2p('carol', 'alice', 2));
    clock.now += 10;
    await a.resetAllSessionUnread();
    const at = (t: number) => ledger.sessionsAt({ account: 'alice', device: 'sync', at: t }).then((l) => l.map((s) => [s.id, s.unread]));
    expect(await at(t0)).to.deep.equal([['p2p-bob', 1]]); // mode A: roaming counts
    expect(await at(t1)).to.deep.equal([['p2p-carol', 1], ['p2p-bob', 1]]);
    expect(await at(clock.now)).to.deep.equal([['p2p-carol', 0], ['p2p-bob', 0]]);
    expect(await at(t0 - 1)).to.deep.equal([]);
  });
  it('S10.4 100 concurrent incoming messages on one session give unread 100', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.ready;
    const sessions = await Promise.all(Array.from({ length: 100 }, (_, i) => v.receiveMessage(p2p('bob', 'alice', 1 + i))));
    expect(await v.getTotalUnread()).to.equal(100);
    expect(Math.max(...sessions.map((s) => s!.unread))).to.equal(100);
    expect(await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).to.have.length(100);
  });
  it('S10.4 concurrent commands of several kinds on one session lose nothing', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(p2p('bob', 'alice', 1));
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => v.receiveMessage(p2p('bob', 'alice', 100 + i))),
      v.updateLocalSession({ id: 'p2p-bob', localCustom: 'x' }),
      ...Array.from({ length: 20 }, (_, i) => v.sendMessage(p2p('alice', 'bob', 200 + i))),
    ]);
    const s = await v.getLocalSession({ sessionId: 'p2p-bob' });
    expect(s).to.deep.include({ unread: 21, localCustom: 'x', updateTime: 219 });
  });
});

onEachStore('S4.2 and S7.1 under concurrency', ({ fx }) => {
  it('S4.2 two setCurrSession calls at once leave exactly one current session; resetCurrSession clears it', async () => {
    const { ledger } = fx();
    const v = ledger.account('alice');
    await v.receiveMessage(p2p('b', 'alice', 1));
    await v.receiveMessage(p2p('c', 'alice', 2));
    await Promise.all([v.setCurrSession('p2p-b'), v.setCurrSession('p2p-c')]);
    await v.receiveMessage(p2p('b', 'alice', 3));
    await v.receiveMessage(p2p('c', 'alice', 4));
    const unread = async () => [(await v.getLocalSession({ sessionId: 'p2p-b' }))!.unread, (await v.getLocalSession({ sessionId: 'p2p-c' }))!.unread];
    expect(await unread()).to.deep.equal([1, 0]);
    await v.resetCurrSession();
    await v.receiveMessage(p2p('b', 'alice', 5));
    await v.receiveMessage(p2p('c', 'alice', 6));
    expect(await unread()).to.deep.equal([2, 1]);
  });
  it('S7.1 concurrent inserts get distinct update times above every other', async () => {
    const { ledger, clock } = fx();
    const v = ledger.account('alice');
    const [a, b] = await Promise.all([v.insertLocalSession({ scene: 'p2p', to: 'x' }), v.insertLocalSession({ scene: 'p2p', to: 'y' })]);
    expect([a.session.updateTime, b.session.updateTime].sort()).to.deep.equal([clock.now + 1, clock.now + 2]);
  });
});
