import { expect } from 'chai';
import { ValidationError } from '../../application/errors.js';
import { SetCurrentSession } from '../../application/write/commands/index.js';
import { p2p, team } from '../support/messages.js';
import { onEachStore, record } from '../support/ledger-fixture.js';

/** S7.3-S7.5 deletion points, S7.7 devices without a database, S4.4 reset of all, removals, S4.2 ids: every store. */
onEachStore('S4 S7 deletion points, logins and removals through the API', ({ fx }) => {
  it('S7.5 the deletion point is the newest message, never the ledger clock: a new message from a sender whose clock is far behind revives the session', async () => {
    const { ledger, clock } = fx();
    clock.now += 10_000_000;
    const pc = ledger.account('alice', { device: 'pc' });
    const behind = clock.now - 3_600_000;
    await pc.receiveMessage(p2p('bob', 'alice', behind));
    await pc.deleteSession({ scene: 'p2p', to: 'bob' });
    clock.now += 60_000;
    const next = p2p('bob', 'alice', behind + 1);
    await pc.receiveMessage(next);
    expect(await pc.getLocalSession({ sessionId: 'p2p-bob' })).to.deep.include({ unread: 1, lastMsg: next });
  });
  it('S7.5 a sender whose clock runs ahead: a message older than the newest one deleted stays hidden, even though it is later than the ledger clock', async () => {
    const { ledger, clock } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    const tablet = ledger.account('alice', { device: 'tablet' });
    await tablet.ready;
    const ahead = clock.now + 3_600_000;
    await pc.receiveMessage(p2p('bob', 'alice', ahead));
    await pc.deleteLocalSession({ id: 'p2p-bob' });
    await pc.receiveMessage(p2p('bob', 'alice', ahead - 10));
    expect(await pc.getLocalSession({ sessionId: 'p2p-bob' })).to.equal(null);
    expect(await tablet.getLocalSession({ sessionId: 'p2p-bob' })).to.deep.include({ unread: 2 }); // a local delete is this device's only
  });
  it('S7.5 compared in the session\'s order: a message of the newest one\'s millisecond that arrives after the delete revives it, one recorded before never does', async () => {
    const { ledger } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    await pc.receiveMessage(p2p('bob', 'alice', 500));
    await pc.receiveMessage(p2p('bob', 'alice', 500));
    await pc.deleteSession({ scene: 'p2p', to: 'bob' });
    const fresh = ledger.account('alice', { device: 'fresh' });
    expect(await fresh.getLocalSession({ sessionId: 'p2p-bob' })).to.equal(null);
    await pc.receiveMessage(p2p('bob', 'alice', 499));
    expect(await pc.getLocalSession({ sessionId: 'p2p-bob' })).to.equal(null);
    const same = p2p('bob', 'alice', 500);
    await pc.receiveMessage(same);
    expect(await pc.getLocalSession({ sessionId: 'p2p-bob' })).to.deep.include({ unread: 1, lastMsg: same });
  });
  it('S6.3 S7.5 by message type, compared in the session\'s order: a message of the deletion point\'s millisecond recorded before the delete stays gone once the session is revived', async () => {
    const { ledger } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    const text = p2p('bob', 'alice', 500);
    await pc.receiveMessage(text);
    await pc.receiveMessage(p2p('bob', 'alice', 500, { type: 'image' }));
    await pc.deleteSession({ scene: 'p2p', to: 'bob' });
    await pc.receiveMessage(p2p('bob', 'alice', 600, { type: 'image' }));
    expect((await pc.getLocalSessionsByMsgType({ exclude: ['image'] })).sessions).to.deep.equal([]);
    const later = p2p('bob', 'alice', 500);
    await pc.receiveMessage(later);
    const { sessions } = await pc.getLocalSessionsByMsgType({ exclude: ['image'] });
    expect(sessions.map((s) => [s.id, s.lastMsg])).to.deep.equal([['p2p-bob', later]]);
  });
  it('S7.5 a session with no message is deleted at its updateTime; deleting a session that never existed records nothing', async () => {
    const { ledger, clock } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    const { session } = await pc.insertLocalSession({ scene: 'team', to: 't1', updateTime: clock.now + 100 });
    await pc.deleteSession({ scene: 'team', to: 't1' });
    await pc.deleteSession({ scene: 'p2p', to: 'nobody' });
    expect(await ledger.history({ account: 'alice', sessionId: 'p2p-nobody' })).to.deep.equal([]);
    const deleted = (await ledger.history({ account: 'alice', sessionId: 'team-t1' })).filter((e) => e.type === 'SessionDeleted');
    expect(deleted.map((e) => e.data.point)).to.deep.equal([{ time: session.updateTime }]);
    await pc.receiveMessage(team('bob', 't1', session.updateTime));
    expect(await pc.getLocalSession({ sessionId: 'team-t1' })).to.equal(null);
    await pc.receiveMessage(team('bob', 't1', session.updateTime + 1));
    expect(await pc.getLocalSession({ sessionId: 'team-t1' })).to.deep.include({ unread: 1 });
  });
  it('S7.7 on a device without a database, insert, localCustom and a local delete last until its next sync, which rebuilds the list from the account\'s sessions', async () => {
    const { ledger } = fx();
    const kiosk = ledger.account('alice', { device: 'kiosk', db: false });
    const removed = record(kiosk.removed$);
    await kiosk.receiveMessage(p2p('bob', 'alice', 10));
    await kiosk.receiveMessage(p2p('carol', 'alice', 20));
    await kiosk.insertLocalSession({ scene: 'team', to: 't1' });
    await kiosk.updateLocalSession({ id: 'p2p-bob', localCustom: 'pinned' });
    await kiosk.deleteLocalSession({ id: 'p2p-carol' });
    expect((await kiosk.getLocalSessions()).sessions.map((s) => [s.id, s.localCustom])).to.deep.equal([['team-t1', undefined], ['p2p-bob', 'pinned']]);
    await kiosk.syncMessages({});
    expect((await kiosk.getLocalSessions()).sessions.map((s) => [s.id, s.localCustom, s.unread])).to.deep.equal([['p2p-carol', undefined, 0], ['p2p-bob', undefined, 0]]);
    expect(removed.values).to.deep.equal(['p2p-carol', 'team-t1']);
    // in its new login the device changes its list again, and those changes hold
    await kiosk.insertLocalSession({ scene: 'team', to: 't1' });
    expect(await kiosk.updateLocalSession({ id: 'p2p-bob', localCustom: 'again' })).to.deep.include({ localCustom: 'again' });
    const again = await kiosk.insertLocalSession({ scene: 'team', to: 't1' }).catch((e) => e);
    expect(again.code).to.equal('SessionAlreadyExists');
  });
  it('S7.7 on a device with a database, local changes last across syncs', async () => {
    const { ledger } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    await pc.receiveMessage(p2p('bob', 'alice', 10));
    await pc.insertLocalSession({ scene: 'team', to: 't1' });
    await pc.updateLocalSession({ id: 'p2p-bob', localCustom: 'pinned' });
    await pc.syncMessages({});
    expect((await pc.getLocalSessions()).sessions.map((s) => [s.id, s.localCustom])).to.deep.equal([['team-t1', undefined], ['p2p-bob', 'pinned']]);
  });
  it('S7.7 a sync on a device without a database ends its current session, recorded as CurrentSessionCleared; later messages count', async () => {
    const { ledger } = fx();
    const kiosk = ledger.account('alice', { device: 'kiosk', db: false });
    await kiosk.receiveMessage(p2p('bob', 'alice', 10));
    await kiosk.setCurrSession('p2p-bob');
    await kiosk.syncMessages({});
    expect(ledger.reader.currentSession('alice', 'kiosk')).to.equal(undefined);
    await kiosk.receiveMessage(p2p('bob', 'alice', 11));
    expect(await kiosk.getLocalSession({ sessionId: 'p2p-bob' })).to.deep.include({ unread: 1 });
    expect((await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).map((e) => e.type)).to.include('CurrentSessionCleared');
  });
  it('S4.4 resetAllSessionUnread moves every session\'s mark, not only those with unread; onupdatesession only for those whose unread changed', async () => {
    const { ledger } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    await pc.receiveMessage(p2p('bob', 'alice', 10));
    await pc.receiveMessage(p2p('carol', 'alice', 10));
    await pc.resetSessionUnread('p2p-carol');
    await pc.syncMessages({ roaming: [p2p('carol', 'alice', 30)] }); // mode B: roaming never counts, but it is newer than the mark
    const updates = record(pc.updates$);
    expect(await pc.resetAllSessionUnread()).to.deep.equal(['p2p-bob']);
    expect(updates.values.map((s) => [s.id, s.unread])).to.deep.equal([['p2p-bob', 0]]);
    await pc.receiveMessage(p2p('carol', 'alice', 20)); // late: older than what was read
    expect(await pc.getTotalUnread()).to.equal(0);
    const resets = (await ledger.history({ account: 'alice', sessionId: 'p2p-carol' })).filter((e) => e.type === 'SessionReset');
    expect(resets.map((e) => e.data.mark)).to.deep.equal([10, 30]);
    // a mark at the newest message already has nothing to move to: nothing appended
    await pc.resetAllSessionUnread();
    expect((await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).filter((e) => e.type === 'SessionReset')).to.have.length(1);
  });
  it('S7.3 S7.4 a delete tells every view that lost the session: removed$ (the HTTP feed\'s `removed`), and no onupdatesession', async () => {
    const { ledger } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    const phone = ledger.account('alice', { device: 'phone' });
    await pc.receiveMessage(p2p('bob', 'alice', 10));
    await pc.receiveMessage(p2p('carol', 'alice', 10));
    await phone.ready;
    const [pcGone, phoneGone, pcUpdates] = [record(pc.removed$), record(phone.removed$), record(pc.updates$)];
    await pc.deleteLocalSession({ id: 'p2p-bob' });
    expect([pcGone.values, phoneGone.values]).to.deep.equal([['p2p-bob'], []]);
    await phone.deleteSession({ scene: 'p2p', to: 'carol' });
    expect([pcGone.values, phoneGone.values]).to.deep.equal([['p2p-bob', 'p2p-carol'], ['p2p-carol']]);
    await pc.deleteLocalSession({ id: 'p2p-bob' });
    expect(pcGone.values).to.have.length(2);
    expect(pcUpdates.values).to.deep.equal([]);
  });
  it('S7.4 deleting a device\'s current session, by either delete, ends it there, recorded as CurrentSessionCleared; a revived session then counts', async () => {
    const { ledger } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    const phone = ledger.account('alice', { device: 'phone' });
    await pc.receiveMessage(p2p('bob', 'alice', 10));
    await pc.receiveMessage(p2p('carol', 'alice', 10));
    await pc.setCurrSession('p2p-bob');
    await phone.setCurrSession('p2p-carol');
    await pc.deleteLocalSession({ id: ['p2p-bob', 'p2p-carol'] });
    expect([ledger.reader.currentSession('alice', 'pc'), ledger.reader.currentSession('alice', 'phone')]).to.deep.equal([undefined, 'p2p-carol']);
    await pc.deleteSession({ scene: 'p2p', to: 'carol' });
    expect(ledger.reader.currentSession('alice', 'phone')).to.equal(undefined);
    const ended = async (sessionId: string) => (await ledger.history({ account: 'alice', sessionId })).flatMap((e) => (e.type === 'CurrentSessionCleared' ? [e.data.device] : []));
    expect([await ended('p2p-bob'), await ended('p2p-carol')]).to.deep.equal([['pc'], ['phone']]);
    await pc.receiveMessage(p2p('bob', 'alice', 11));
    expect(await pc.getLocalSession({ sessionId: 'p2p-bob' })).to.deep.include({ unread: 1 });
  });
  it('S4.2 S10.1 setCurrSession of an id that is not a session id rejects with a ValidationError naming sessionId, and appends nothing', async () => {
    const { ledger } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    await pc.receiveMessage(p2p('bob', 'alice', 10));
    const before = ledger.position();
    for (const bad of ['bob', 'chat-1', 'p2p-', '-bob']) {
      const error = await pc.setCurrSession(bad).catch((e) => e);
      expect(error, bad).to.be.instanceOf(ValidationError);
      expect(error.errors.map((e: { field: string }) => e.field)).to.deep.equal(['sessionId']);
    }
    const direct = await ledger.commands.dispatch(new SetCurrentSession({ account: 'alice', device: 'pc', sessionId: 'nope' })).catch((e) => e);
    expect(direct).to.be.instanceOf(ValidationError);
    expect(ledger.position()).to.equal(before);
    expect(await pc.setCurrSession('p2p-nobody')).to.equal(null); // a well-formed unknown id: no effect (S4.6)
  });
});
