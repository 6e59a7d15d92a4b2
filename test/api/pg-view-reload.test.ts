import { expect } from 'chai';
import { filter, firstValueFrom } from 'rxjs';
import type { DeviceView } from '../../application/api/device-view.js';
import { Ledger, projectionRunnerOf } from '../../application/api/ledger.js';
import type { Session } from '../../projections/session-list/model.js';
import { createLedger, openStore, readModelOptions, sharedParts } from '../../infrastructure/create-ledger.js';
import { holdingSubscriptions } from '../support/held-subscriptions.js';
import { p2p } from '../support/messages.js';
import { freshPostgresUrl } from '../support/postgres.js';

/**
 * Two ledgers on one PostgreSQL database, as two processes; B's log subscription is held, so that
 * B's own command or query reads the account again from its rows before B's subscription brings
 * A's events: the views of B must still hear each of them once, in order.
 */
describe('a device view in one process when its process reads the account again first [postgres]', function () {
  this.timeout(30_000);
  const clock = { now: 7_000_000 };
  let a: Ledger;
  let b: Ledger;
  let held: ReturnType<typeof holdingSubscriptions>;
  beforeEach(async () => {
    const url = await freshPostgresUrl();
    a = await createLedger({ store: url, clock: () => clock.now });
    const inner = await openStore(url);
    held = holdingSubscriptions(inner);
    b = await Ledger.open({ store: held.store, clock: () => clock.now, runner: readModelOptions(inner), ...sharedParts(inner) });
  });
  afterEach(async () => {
    held?.release();
    await Promise.all([a?.close(), b?.close()]);
  });

  /** B's view of alice, open and caught up with A's; its updates from now on. */
  async function openView(): Promise<{ updates: Session[]; view: DeviceView }> {
    const view = b.account('alice');
    const out = { updates: [] as Session[], view };
    view.updates$.subscribe((session) => out.updates.push(session));
    await Promise.all([view.ready, a.account('alice').ready]);
    expect(await b.waitForPosition(a.position(), { timeoutMs: 10_000 })).to.equal(true);
    out.updates.length = 0;
    return out;
  }

  it('S2.1 a query in B that reads the account again before B follows A\'s message: the view hears it once', async () => {
    const { updates } = await openView();
    held.hold();
    await a.account('alice').receiveMessage(p2p('bob', 'alice', ++clock.now, { idClient: 'across-1' }));
    await a.account('alice').receiveMessage(p2p('carol', 'alice', ++clock.now, { idClient: 'across-2' }));
    expect(await b.account('alice').getTotalUnread()).to.equal(2);
    held.release();
    expect(await b.waitForPosition(a.position(), { timeoutMs: 10_000 })).to.equal(true);
    expect(updates.map((s) => [s.id, s.lastMsg?.idClient])).to.deep.equal([['p2p-bob', 'across-1'], ['p2p-carol', 'across-2']]);
  });

  it('S2.1 a command in B on the account before B follows A\'s message: the view hears A\'s, then its own, once each', async () => {
    const { updates, view } = await openView();
    held.hold();
    await a.account('alice').receiveMessage(p2p('bob', 'alice', ++clock.now, { idClient: 'across' }));
    // B's command commits, and its view hears it, before B's subscription goes on (which the command waits for)
    const heard = firstValueFrom(view.updates$.pipe(filter((s) => s.lastMsg?.idClient === 'own')));
    const own = b.account('alice').receiveMessage(p2p('dave', 'alice', ++clock.now, { idClient: 'own' }));
    await heard;
    held.release();
    await own;
    expect(await b.waitForPosition(a.position(), { timeoutMs: 10_000 })).to.equal(true);
    expect(updates.map((s) => [s.id, s.lastMsg?.idClient])).to.deep.equal([['p2p-bob', 'across'], ['p2p-dave', 'own']]);
  });

  it('S2.1 a view opened on an account this process never loaded: a write in A before B\'s first load reaches it once (from where B had followed)', async () => {
    await a.account('alice').receiveMessage(p2p('bob', 'alice', ++clock.now, { idClient: 'before' }));
    expect(await b.waitForPosition(a.position(), { timeoutMs: 10_000 })).to.equal(true);
    const runner = projectionRunnerOf(b);
    const heard: string[] = [];
    runner.applied$.subscribe(({ events }) => heard.push(...events.map((e) => (e.data as { message?: { idClient?: string } }).message?.idClient ?? e.type)));
    held.hold();
    // what a view's opening does first (ledger.account): hold the account, nothing loaded yet
    const release = runner.keep('alice');
    await a.account('alice').receiveMessage(p2p('carol', 'alice', ++clock.now, { idClient: 'after' }));
    (await runner.use!('alice'))();
    held.release();
    expect(await b.waitForPosition(a.position(), { timeoutMs: 10_000 })).to.equal(true);
    release();
    expect(heard).to.deep.equal(['after']);
  });
});
