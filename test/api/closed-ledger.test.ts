import { expect } from 'chai';
import { LedgerClosedError } from '../../application/errors.js';
import { GetLocalSession, GetLocalSessions, GetLocalSessionsByMsgType, GetTotalUnread } from '../../application/read/session-queries.js';
import { onEachStore } from '../support/ledger-fixture.js';
import { p2p } from '../support/messages.js';
import { rejection } from '../support/rejection.js';

// Regression (issue 8): a closed ledger went on answering reads from its read models.
onEachStore('API a closed ledger answers no reads', ({ fx }) => {
  it('API after close, queries, view reads, history, sessionsAt and timeline reject with LedgerClosedError', async () => {
    const { ledger } = fx();
    const view = ledger.account('alice');
    const sent = p2p('alice', 'bob', 10);
    await view.receiveMessage(p2p('bob', 'alice', 5));
    await view.sendMessage(sent);
    await ledger.close();
    const base = { account: 'alice', device: 'default' };
    const reads: Array<[string, () => Promise<unknown>]> = [
      ['queries GetLocalSessions', () => ledger.queries.execute(new GetLocalSessions(base))],
      ['queries GetLocalSession', () => ledger.queries.execute(new GetLocalSession({ ...base, sessionId: 'p2p-bob' }))],
      ['queries GetLocalSessionsByMsgType', () => ledger.queries.execute(new GetLocalSessionsByMsgType({ ...base, exclude: ['x'] }))],
      ['queries GetTotalUnread', () => ledger.queries.execute(new GetTotalUnread(base))],
      ['view getLocalSessions', () => view.getLocalSessions()],
      ['view getLocalSession', () => view.getLocalSession({ sessionId: 'p2p-bob' })],
      ['view getLocalSessionsByMsgType', () => view.getLocalSessionsByMsgType({ exclude: ['x'] })],
      ['view getTotalUnread', () => view.getTotalUnread()],
      ['history', () => ledger.history({ account: 'alice', sessionId: 'p2p-bob' })],
      ['sessionsAt', () => ledger.sessionsAt({ account: 'alice', at: 100 })],
      ['timeline', () => ledger.timeline({ account: 'alice', sessionId: 'p2p-bob' })],
    ];
    for (const [name, read] of reads) {
      const error = await rejection(read());
      expect(error, name).to.be.instanceOf(LedgerClosedError);
    }
    expect(() => view.isMsgRemoteRead(sent)).to.throw(LedgerClosedError);
    // a read's done callback hears the same error
    const heard = await new Promise<unknown>((resolve) => void view.getTotalUnread((error) => resolve(error)).catch(() => undefined));
    expect(heard).to.be.instanceOf(LedgerClosedError);
  });
});
