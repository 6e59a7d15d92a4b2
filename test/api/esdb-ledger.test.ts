import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { projectionRunnerOf, type Ledger } from '../../application/api/ledger.js';
import { createLedger } from '../../infrastructure/create-ledger.js';
import { startTestServer, type TestServer } from '../esdb-server/server.js';
import { p2p, messageIds } from '../support/messages.js';

/** Resolves once `check()` holds, re-checking after every batch the ledger's projections apply. */
function until(ledger: Ledger, check: () => boolean): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve) => {
    const sub = projectionRunnerOf(ledger).applied$.subscribe(() => {
      if (check()) {
        sub.unsubscribe();
        resolve();
      }
    });
  });
}

const total = (ledger: Ledger, account: string, device = 'default') => ledger.reader.totalUnread(account, device);

describe('ledger on EventStoreDB (test server)', function () {
  this.timeout(30_000);
  let server: TestServer;
  const ledgers: Ledger[] = [];
  const open = async () => {
    const ledger = await createLedger({ store: `${server.url}&defaultDeadline=1500` });
    ledgers.push(ledger);
    return ledger;
  };
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    for (const l of ledgers.splice(0)) await l.close().catch(() => undefined);
    await server.close();
  });

  it('an outage: a command fails with StoreUnavailableError, its retry is recorded once, and the resumed subscription misses nothing and applies nothing twice', async () => {
    const ledger = await open();
    const alice = ledger.account('alice');
    for (let i = 1; i <= 3; i++) await alice.receiveMessage(p2p('bob', 'alice', i, { idClient: `m${i}` }));
    await server.stop();
    const error = await alice.receiveMessage(p2p('bob', 'alice', 4, { idClient: 'm4' })).catch((e) => e);
    expect(error.name).to.equal('StoreUnavailableError');
    expect(error.message).to.match(/EventStoreDB|127\.0\.0\.1/);
    await server.start();
    // The retry of the failed command: recorded once, whether or not the first attempt reached the server.
    await alice.receiveMessage(p2p('bob', 'alice', 4, { idClient: 'm4' }));
    // A write from elsewhere after the restart reaches this ledger's read models through the resumed subscription.
    const other = await open();
    await other.account('alice', { device: 'tablet' }).receiveMessage(p2p('carol', 'alice', 5, { idClient: 'm5' }));
    await until(ledger, () => total(ledger, 'alice') === 5);
    expect(total(ledger, 'alice')).to.equal(5);
    const history = await ledger.history({ account: 'alice', sessionId: 'p2p-bob' });
    expect(messageIds(history)).to.deep.equal(['m1', 'm2', 'm3', 'm4']);
  });

  it('an outage: a p2p send fails whole (neither list has it), and its retry reaches both lists once', async () => {
    const ledger = await open();
    const alice = ledger.account('alice');
    const bob = ledger.account('bob');
    await alice.sendMessage(p2p('alice', 'bob', 1, { idClient: 's1' }));
    await server.stop();
    const error = await alice.sendMessage(p2p('alice', 'bob', 2, { idClient: 's2' })).catch((e) => e);
    expect(error.name).to.equal('StoreUnavailableError');
    await server.start();
    expect((await bob.getLocalSession({ sessionId: 'p2p-alice' }))!.unread).to.equal(1);
    await alice.sendMessage(p2p('alice', 'bob', 2, { idClient: 's2' }));
    expect((await bob.getLocalSession({ sessionId: 'p2p-alice' }))!.unread).to.equal(2);
    expect(messageIds(await ledger.history({ account: 'bob', sessionId: 'p2p-alice' }))).to.deep.equal(['s1', 's2']);
    expect(messageIds(await ledger.history({ account: 'alice', sessionId: 'p2p-bob' }))).to.deep.equal(['s1', 's2']);
  });

  it('state and history survive reopening, and a second ledger catches up from the stored checkpoint', async () => {
    const first = await open();
    const v = first.account('alice', { device: 'pc', syncSessionUnread: true });
    await v.syncMessages({ roaming: [p2p('bob', 'alice', 1)], offline: [p2p('carol', 'alice', 2)] });
    await v.resetSessionUnread('p2p-bob');
    const before = first.reader.allSessions('alice', 'pc');
    await first.close();
    const second = await open();
    expect(second.reader.allSessions('alice', 'pc')).to.deep.equal(before);
    expect((await second.history({ account: 'alice', sessionId: 'p2p-bob' })).map((e) => e.type)).to.deep.equal(['MessageReceived', 'SessionReset']);
  });

  it('two ledger processes on one server each see the other\'s writes in their read models', async () => {
    const ledger = await open();
    const child = spawn(process.execPath, [fileURLToPath(new URL('./esdb-peer-process.js', import.meta.url)), server.url], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const nextLine = async () => {
      const { value, done } = await lines.next();
      if (done) throw new Error('the peer process ended early');
      return value;
    };
    expect(await nextLine()).to.equal('ready');
    // This process writes; the peer's read models must show it.
    await ledger.account('alice').receiveMessage(p2p('bob', 'alice', 1, { idClient: 'from-parent' }));
    child.stdin.write('expect alice 1\n');
    expect(await nextLine()).to.equal('saw alice 1');
    // The peer writes; ours must show it.
    child.stdin.write('write alice\n');
    expect(await nextLine()).to.equal('wrote');
    await until(ledger, () => total(ledger, 'alice') === 2);
    expect((await ledger.account('alice').getLocalSession({ sessionId: 'p2p-carol' }))!.unread).to.equal(1);
    child.stdin.end();
    expect(await new Promise((resolve) => child.on('exit', resolve))).to.equal(0);
  });
});
