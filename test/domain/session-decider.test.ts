import { expect } from 'chai';
import type { SessionEvent } from '../../domain/events.js';
import { accountStream, parseSessionId, parseStream, sessionStream } from '../../domain/identity.js';
import { SessionRef } from '../../domain/session-ref.js';
import { isCounting, isOutgoing, messageKey } from '../../domain/message.js';
import { given } from '../support/decider-spec.js';
import { p2p, team } from '../support/messages.js';

const A = 'alice';
const S = 'p2p-bob';
const received = (m: ReturnType<typeof p2p>, extra: Partial<{ delivery: 'online' | 'roaming' | 'offline'; device: string }> = {}): SessionEvent => ({
  type: 'MessageReceived',
  data: { sessionId: S, message: m, delivery: extra.delivery ?? 'online', device: extra.device ?? 'd1', counting: m.isUnreadable !== false },
});
const record = (m: ReturnType<typeof p2p>, delivery: 'online' | 'roaming' | 'offline' = 'online', device = 'd1') =>
  ({ type: 'RecordMessages', device, messages: [{ message: m, delivery }] }) as const;

describe('domain: session decider', () => {
  describe('S1 identity', () => {
    it('S1.1 session ids are `${scene}-${to}` and parse back, dashes in `to` included', () => {
      expect(parseSessionId('p2p-a-b')).to.deep.equal({ scene: 'p2p', to: 'a-b' });
      expect(parseSessionId('superTeam-42')).to.deep.equal({ scene: 'superTeam', to: '42' });
      expect(parseSessionId('chat-1')).to.equal(null);
      expect(parseSessionId('p2p-')).to.equal(null);
    });
    it('S1.2 a p2p message belongs to the peer\'s session on both ends; team messages to the team', () => {
      const m = p2p('alice', 'bob', 1);
      expect(SessionRef.fromMessage('alice', m).id).to.equal('p2p-bob');
      expect(SessionRef.fromMessage('bob', m).id).to.equal('p2p-alice');
      expect(SessionRef.fromMessage('carol', team('alice', 't1', 1)).id).to.equal('team-t1');
    });
    it('S1.3 a message is outgoing for the account that sent it and incoming for everyone else', () => {
      const m = p2p('alice', 'bob', 1);
      expect([isOutgoing('alice', m), isOutgoing('bob', m), isCounting('alice', m), isCounting('bob', m)]).to.deep.equal([true, false, false, true]);
      expect(isCounting('bob', { ...m, isUnreadable: false })).to.equal(false);
    });
    it('S1.4 stream names never collide, whatever characters the ids hold', () => {
      const names = [
        sessionStream('a-b', 'p2p-c'), sessionStream('a', 'p2p-b-c'), sessionStream('a/b', 'p2p-c'), sessionStream('a', 'p2p-b/c'),
        sessionStream('a', 'team-b'), accountStream('a'), accountStream('a-b'), sessionStream('a%2Fb', 'p2p-c'),
      ];
      expect(new Set(names).size).to.equal(names.length);
      expect(parseStream(sessionStream('a/b', 'p2p-c/d'))).to.deep.include({ kind: 'session', account: 'a/b', sessionId: 'p2p-c/d' });
      expect(parseStream(accountStream('x-y'))).to.deep.equal({ kind: 'account', account: 'x-y' });
    });
  });

  describe('S2 messages', () => {
    it('S2.1 an incoming message is recorded as MessageReceived, an outgoing one as MessageSent', () => {
      const inc = p2p('bob', 'alice', 10);
      given(A, S).when(record(inc)).then([received(inc)]);
      const out = p2p('alice', 'bob', 11);
      given(A, S).when(record(out)).then([{ type: 'MessageSent', data: { sessionId: S, message: out, delivery: 'online', device: 'd1' } }]);
    });
    it('S2.3 the same message recorded again (online, then roaming) changes nothing', () => {
      const m = p2p('bob', 'alice', 10);
      given(A, S, [received(m)]).when(record({ ...m }, 'roaming')).thenNothingHappened();
    });
    it('S2.3 duplicates inside one batch are recorded once', () => {
      const m = p2p('bob', 'alice', 10);
      const events = given(A, S).when({ type: 'RecordMessages', device: 'd1', messages: [{ message: m, delivery: 'offline' }, { message: m, delivery: 'offline' }] }).events;
      expect(events).to.have.length(1);
    });
    it('S2 a message of another session is refused', () => {
      given(A, S).when(record(p2p('carol', 'alice', 1))).thenRejects('MessageNotInSession');
    });
    it('S4 a message with isUnreadable false is recorded as not counting', () => {
      const m = p2p('bob', 'alice', 10, { isUnreadable: false });
      expect((given(A, S).when(record(m)).events[0] as any).data.counting).to.equal(false);
    });
  });

  describe('S4 unread', () => {
    const m1 = p2p('bob', 'alice', 10);
    const m2 = p2p('bob', 'alice', 20);
    it('S4.3 a reset moves the mark to the newest message time', () => {
      given(A, S, [received(m2), received(m1)]).when({ type: 'ResetUnread', device: 'd1', scope: 'device' })
        .then([{ type: 'SessionReset', data: { sessionId: S, device: 'd1', scope: 'device', mark: 20 } }]);
    });
    it('S4.6 resetting an unknown session does nothing', () => {
      given(A, S).when({ type: 'ResetUnread', device: 'd1', scope: 'account' }).thenNothingHappened();
    });
  });

  describe('S5 receipts', () => {
    const out = p2p('alice', 'bob', 10);
    const sent: SessionEvent = { type: 'MessageSent', data: { sessionId: S, message: out, delivery: 'online', device: 'd1' } };
    it('S5.1 a receipt records msgReceiptTime on an existing p2p session', () => {
      given(A, S, [sent]).when({ type: 'RecordReceipt', reader: 'bob', msgReceiptTime: 10 })
        .then([{ type: 'ReceiptReceived', data: { sessionId: S, reader: 'bob', msgReceiptTime: 10 } }]);
    });
    it('S5.2 msgReceiptTime only grows; a missing session ignores the receipt; team sessions refuse it', () => {
      const r: SessionEvent = { type: 'ReceiptReceived', data: { sessionId: S, reader: 'bob', msgReceiptTime: 10 } };
      given(A, S, [sent, r]).when({ type: 'RecordReceipt', reader: 'bob', msgReceiptTime: 5 }).thenNothingHappened();
      given(A, S, [sent, r]).when({ type: 'RecordReceipt', reader: 'bob', msgReceiptTime: 10 }).thenNothingHappened();
      given(A, S).when({ type: 'RecordReceipt', reader: 'bob', msgReceiptTime: 10 }).thenNothingHappened();
      given(A, 'team-t1').when({ type: 'RecordReceipt', reader: 'bob', msgReceiptTime: 10 }).thenRejects('ReceiptOnTeamSession');
    });
  });

  describe('S7 changing the list', () => {
    const m = p2p('bob', 'alice', 10);
    const at = (message: ReturnType<typeof p2p>) => ({ time: message.time, message: messageKey(message) });
    it('S7.1 inserting a session that is in the list is refused; a missing one is inserted', () => {
      given(A, S, [received(m)]).when({ type: 'Insert', device: 'd1', updateTime: 99 }).thenRejects('SessionAlreadyExists');
      given(A, S).when({ type: 'Insert', device: 'd1', updateTime: 99 })
        .then([{ type: 'SessionInserted', data: { sessionId: S, scene: 'p2p', to: 'bob', device: 'd1', updateTime: 99, login: 0 } }]);
    });
    it('S7.2 localCustom of an unknown session changes nothing', () => {
      given(A, S).when({ type: 'UpdateLocalCustom', device: 'd1', localCustom: 'x' }).thenNothingHappened();
    });
    it('S7.3 S7.5 a local delete of an unknown session succeeds with nothing recorded; a known one records the device and the newest message as its point', () => {
      given(A, S).when({ type: 'Delete', scope: 'local', device: 'd1' }).thenNothingHappened();
      const older = p2p('bob', 'alice', 5);
      given(A, S, [received(m), received(older)]).when({ type: 'Delete', scope: 'local', device: 'd1' })
        .then([{ type: 'SessionDeleted', data: { sessionId: S, scope: 'local', device: 'd1', point: at(m), login: 0 } }]);
    });
    it('S7.3 deleting locally again with nothing newer changes nothing; after a newer message it moves to that message', () => {
      const del: SessionEvent = { type: 'SessionDeleted', data: { sessionId: S, scope: 'local', device: 'd1', point: at(m), login: 0 } };
      given(A, S, [received(m), del]).when({ type: 'Delete', scope: 'local', device: 'd1' }).thenNothingHappened();
      const newer = p2p('bob', 'alice', 10);
      given(A, S, [received(m), del, received(newer)]).when({ type: 'Delete', scope: 'local', device: 'd1' })
        .then([{ type: 'SessionDeleted', data: { sessionId: S, scope: 'local', device: 'd1', point: at(newer), login: 0 } }]);
    });
    it('S7.3 after a local delete, the session may be inserted again on that device', () => {
      const del: SessionEvent = { type: 'SessionDeleted', data: { sessionId: S, scope: 'local', device: 'd1', point: at(m), login: 0 } };
      expect(given(A, S, [received(m), del]).when({ type: 'Insert', device: 'd1', updateTime: 60 }).events).to.have.length(1);
      given(A, S, [received(m), del]).when({ type: 'Insert', device: 'd2', updateTime: 60 }).thenRejects('SessionAlreadyExists');
    });
    it('S7.4 S7.5 a server delete is recorded at the newest message; again with nothing newer changes nothing, after a newer message it moves', () => {
      const del: SessionEvent = { type: 'SessionDeleted', data: { sessionId: S, scope: 'server', device: 'd1', point: at(m) } };
      given(A, S, [received(m)]).when({ type: 'Delete', scope: 'server', device: 'd1' }).then([del]);
      given(A, S, [received(m), del]).when({ type: 'Delete', scope: 'server', device: 'd2' }).thenNothingHappened();
      const newer = p2p('bob', 'alice', 90);
      given(A, S, [received(m), del, received(newer)]).when({ type: 'Delete', scope: 'server', device: 'd1' })
        .then([{ type: 'SessionDeleted', data: { sessionId: S, scope: 'server', device: 'd1', point: at(newer) } }]);
    });
    it('S7.5 a session with no message is deleted at its updateTime; a session that never existed records nothing', () => {
      const inserted: SessionEvent = { type: 'SessionInserted', data: { sessionId: S, scene: 'p2p', to: 'bob', device: 'd1', updateTime: 700, login: 0 } };
      given(A, S).when({ type: 'Delete', scope: 'server', device: 'd1' }).thenNothingHappened();
      given(A, S, [inserted]).when({ type: 'Delete', scope: 'server', device: 'd2' })
        .then([{ type: 'SessionDeleted', data: { sessionId: S, scope: 'server', device: 'd2', point: { time: 700 } } }]);
      given(A, S, [inserted]).when({ type: 'Delete', scope: 'local', device: 'd1' })
        .then([{ type: 'SessionDeleted', data: { sessionId: S, scope: 'local', device: 'd1', point: { time: 700 }, login: 0 } }]);
    });
    it('S7.4 S7.5 after a server delete, an older message or an earlier one of the same millisecond leaves it hidden; a later one of the same millisecond revives it', () => {
      const del: SessionEvent = { type: 'SessionDeleted', data: { sessionId: S, scope: 'server', device: 'd1', point: at(m) } };
      for (const hidden of [p2p('bob', 'alice', 9)]) {
        given(A, S, [received(m), del, received(hidden)]).when({ type: 'ResetUnread', device: 'd1', scope: 'device' }).thenNothingHappened();
      }
      const sameMs = p2p('bob', 'alice', 10);
      expect(given(A, S, [received(m), del, received(sameMs)]).when({ type: 'ResetUnread', device: 'd1', scope: 'device' }).events).to.have.length(1);
      // a point without a message (an empty session's updateTime, or a schema 2 event) covers its millisecond whole
      const atTime: SessionEvent = { type: 'SessionDeleted', data: { sessionId: S, scope: 'server', device: 'd1', point: { time: 10 } } };
      given(A, S, [received(m), atTime, received(sameMs)]).when({ type: 'ResetUnread', device: 'd1', scope: 'device' }).thenNothingHappened();
    });
    it('S7.5 message times are never compared with the ledger clock: a new message from a sender far behind revives a deleted session', () => {
      const late = p2p('bob', 'alice', 1_000);
      const del: SessionEvent = { type: 'SessionDeleted', data: { sessionId: S, scope: 'server', device: 'd1', point: at(p2p('bob', 'alice', 900)) } };
      expect(given(A, S, [received(p2p('bob', 'alice', 900)), del, received(late)]).when({ type: 'ResetUnread', device: 'd1', scope: 'device' }).events).to.have.length(1);
    });
    it('S7.7 a local change made before a sync of a device without a database has lapsed in its next login', () => {
      const del: SessionEvent = { type: 'SessionDeleted', data: { sessionId: S, scope: 'local', device: 'c1', point: at(m), login: 0 } };
      const inserted: SessionEvent = { type: 'SessionInserted', data: { sessionId: 'p2p-bob', scene: 'p2p', to: 'bob', device: 'c1', updateTime: 700, login: 0 } };
      expect(given(A, S, [received(m), del]).when({ type: 'UpdateLocalCustom', device: 'c1', localCustom: 'x', login: 1 }).events).to.have.length(1);
      given(A, S, [received(m), del]).when({ type: 'UpdateLocalCustom', device: 'c1', localCustom: 'x', login: 0 }).thenNothingHappened();
      expect(given(A, S, [inserted]).when({ type: 'Insert', device: 'c1', updateTime: 800, login: 1 }).events).to.have.length(1);
      given(A, S, [inserted]).when({ type: 'Insert', device: 'c1', updateTime: 800, login: 0 }).thenRejects('SessionAlreadyExists');
    });
  });

  describe('S4.4 reset of all', () => {
    const m = p2p('bob', 'alice', 10);
    it('S4.4 a reset of all moves a mark not at the newest message (a roaming or outgoing one too) and skips one already there', () => {
      const reset = { type: 'ResetUnread', device: 'd1', scope: 'device', all: true } as const;
      given(A, S, [received(m, { delivery: 'roaming' })]).when(reset)
        .then([{ type: 'SessionReset', data: { sessionId: S, device: 'd1', scope: 'device', mark: 10, all: true } }]);
      const done: SessionEvent = { type: 'SessionReset', data: { sessionId: S, device: 'd1', scope: 'device', mark: 10 } };
      given(A, S, [received(m), done]).when(reset).thenNothingHappened();
      expect(given(A, S, [received(m), done, received(p2p('bob', 'alice', 4))]).when(reset).events).to.have.length(1);
      expect(given(A, S, [received(m), done]).when({ ...reset, device: 'd2' }).events).to.have.length(1);
    });
  });

  describe('S4 mode C offline batches', () => {
    it('S4 (mode C) the counting messages of an offline batch are listed once, outgoing and muted ones left out', () => {
      const a = p2p('bob', 'alice', 10);
      const b = p2p('alice', 'bob', 11);
      const c = p2p('bob', 'alice', 12, { isUnreadable: false });
      given(A, S).when({ type: 'SyncOfflineBatch', device: 'c1', messages: [a, a, b, c] })
        .then([{ type: 'OfflineBatchSynced', data: { sessionId: S, device: 'c1', keys: [messageKey(a)] } }]);
    });
  });
});
