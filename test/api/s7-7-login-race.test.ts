import { expect } from 'chai';
import { p2p } from '../support/messages.js';
import { onEachStore } from '../support/ledger-fixture.js';

/**
 * S7.7 with commands in flight: a db:false device's local change dispatched together with a sync
 * belongs to one login or the other. Before the fix, it read the device's login before the sync
 * recorded the new one and was recorded for the old login: it resolved `{ session: null }` (or
 * `null` for an update), vanished from the list and never went through `removed$`.
 */
onEachStore('S7.7 local changes racing a sync (review)', ({ fx }) => {
  it('S7.7 an insert dispatched alongside a sync resolves its session, and is either still listed or left through removed$', async () => {
    const { ledger, clock } = fx();
    const kiosk = ledger.account('alice', { device: 'kiosk', db: false });
    await kiosk.ready;
    const removed: string[] = [];
    kiosk.removed$.subscribe((id) => removed.push(id));
    const before = kiosk.insertLocalSession({ scene: 'team', to: 'before' });
    const sync = kiosk.syncMessages({ offline: [p2p('bob', 'alice', clock.now - 10)] });
    const after = kiosk.insertLocalSession({ scene: 'team', to: 'after' });
    const [b, , a] = await Promise.all([before, sync, after]);
    expect(b.session).to.include({ id: 'team-before' });
    expect(a.session).to.include({ id: 'team-after' });
    const listed = (await kiosk.getLocalSessions()).sessions.map((s) => s.id);
    for (const id of ['team-before', 'team-after']) {
      expect(listed.includes(id) !== removed.includes(id), `${id}: listed ${listed.includes(id)}, removed ${removed.includes(id)}`).to.equal(true);
    }
    clock.now += 1;
    const replayed = (await ledger.sessionsAt({ account: 'alice', device: 'kiosk', at: clock.now })).map((s) => s.id);
    expect([...replayed].sort()).to.deep.equal([...listed].sort());
  });

  it('S7.7 an update of localCustom dispatched alongside a sync resolves the updated session or null, never a change that the list does not show', async () => {
    const { ledger } = fx();
    const kiosk = ledger.account('alice', { device: 'kiosk', db: false });
    await kiosk.receiveMessage(p2p('bob', 'alice', 500));
    const sync = kiosk.syncMessages({});
    const update = kiosk.updateLocalSession({ id: 'p2p-bob', localCustom: 'pinned' });
    const [, updated] = await Promise.all([sync, update]);
    const now = await kiosk.getLocalSession({ sessionId: 'p2p-bob' });
    expect(updated).to.include({ id: 'p2p-bob', localCustom: 'pinned' });
    expect(now).to.include({ localCustom: 'pinned' });
  });
});
