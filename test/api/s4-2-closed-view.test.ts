import { expect } from 'chai';
import { ViewClosedError } from '../../application/errors.js';
import { onEachStore } from '../support/ledger-fixture.js';
import { p2p } from '../support/messages.js';
import { rejection } from '../support/rejection.js';

// Review (issue 8): a view went on taking commands after close(), so setCurrSession on it recorded
// a current session that no open view would end (S4.2), and the device stopped counting there.
onEachStore('S4.2 a closed view takes no more commands', ({ fx }) => {
  it('S4.2 after view.close(), setCurrSession and every other method reject with ViewClosedError and record nothing; a new view of the device works', async () => {
    const { ledger } = fx();
    const pc = ledger.account('alice', { device: 'pc' });
    await pc.receiveMessage(p2p('bob', 'alice', 10));
    await pc.close();
    const position = ledger.position();
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['setCurrSession', () => pc.setCurrSession('p2p-bob')],
      ['receiveMessage', () => pc.receiveMessage(p2p('bob', 'alice', 20))],
      ['resetAllSessionUnread', () => pc.resetAllSessionUnread()],
      ['getLocalSessions', () => pc.getLocalSessions()],
      ['getTotalUnread', () => pc.getTotalUnread()],
    ];
    for (const [name, call] of calls) expect(await rejection(call()), name).to.be.instanceOf(ViewClosedError);
    let doneError: Error | null = null;
    await pc.setCurrSession('p2p-bob', (error) => { doneError = error; }).catch(() => undefined);
    expect(doneError).to.be.instanceOf(ViewClosedError);
    expect(ledger.position()).to.equal(position);
    const again = ledger.account('alice', { device: 'pc' });
    await again.receiveMessage(p2p('bob', 'alice', 30));
    expect((await again.getLocalSession({ sessionId: 'p2p-bob' }))?.unread).to.equal(2);
  });
});
