import { expect } from 'chai';
import { peerDeliveryOf } from '../../application/api/ledger.js';
import { positionText } from '../../application/api/ledger-queries.js';
import { PEER_DELIVERY_LEASE } from '../../application/reactors/peer-delivery.js';
import { STREAM_ROOT } from '../../domain/identity.js';
import { START, type RecordedEvent } from '../../application/ports/event-store.js';
import type { MessageReceivedEvent } from '../../domain/events.js';
import { parseStream } from '../../domain/identity.js';
import type { Session } from '../../projections/session-list/model.js';
import { createLedger, openStore } from '../../infrastructure/create-ledger.js';
import { fromTables, replayed } from '../support/pg-read-models.js';
import { SHARED_STORES, leaseSessions, type SharedStore } from '../support/shared-stores.js';
import { Child } from './children.js';
import { RunJournal, mismatchReport } from './mismatch-report.js';
import { percentile, seeded, workload, type Step } from './workload.js';

const SEED = Number(process.env['MULTI_SEED'] ?? 20261201);
const COMMANDS = 360;
const IN_FLIGHT = 6;
const PROBE_EVERY = 45;
const LATENCY_MESSAGES = 300;

/** How often each message (by idClient) is recorded in each account's streams. */
function recordedCounts(events: readonly RecordedEvent[]): Map<string, Map<string, number>> {
  const counts = new Map<string, Map<string, number>>();
  for (const e of events) {
    if (e.type !== 'MessageReceived' && e.type !== 'MessageSent') continue;
    const account = parseStream(e.streamName)!.account;
    const id = (e.data as MessageReceivedEvent['data']).message.idClient;
    const byAccount = counts.get(id) ?? new Map<string, number>();
    byAccount.set(account, (byAccount.get(account) ?? 0) + 1);
    counts.set(id, byAccount);
  }
  return counts;
}

/** the lease of the read-model projector (EventStoreDB with read models in PostgreSQL) */
const PROJECTOR_LEASE = 'read-model-projector';

/**
 * Issue 9 item 6: three ledger OS processes on one deployment (PostgreSQL alone, or EventStoreDB
 * with read models in one PostgreSQL schema) run a seeded workload through the public API; the
 * leader (the peer-delivery lease holder on PostgreSQL, the projector on EventStoreDB) and a
 * command process are killed with SIGKILL mid-run and restarted. Reads in one process right after
 * another's acknowledged write see it; the lease is taken over; at the end the tables equal an
 * in-memory rebuild from position 0, and every acknowledged message is recorded exactly once per
 * account that holds it.
 */
for (const deployment of SHARED_STORES) describe(`three ledger processes on ${deployment.title}, two of them killed (issue 9) ${deployment.tag}`, function () {
  this.timeout(120_000);
  let children: Child[] = [];
  let shared: SharedStore | undefined;
  afterEach(async () => {
    await Promise.all(children.map((c) => (c.alive ? c.kill() : undefined)));
    await shared?.close();
  });

  it('S10.4 S2.5 read-your-writes across processes, lease takeover, rows = rebuild, every acknowledged message once; update latency', async () => {
    shared = await deployment.open();
    const { locksUrl: url } = shared;
    const projected = shared.readModels !== undefined;
    // the lease whose holder is killed, and how its holder says so
    const leaseName = projected ? PROJECTOR_LEASE : PEER_DELIVERY_LEASE;
    const leaseOf = (c: Child) => (projected ? c.projector : c.lease);
    const slots = ['p0', 'p1', 'p2'].map((name) => new Child(name, shared!));
    children = [...slots];
    await Promise.all(slots.map((c) => c.ready));
    const start = async (index: number) => {
      const child = new Child(`${slots[index]!.name}'`, shared!);
      children.push(child);
      await child.ready;
      slots[index] = child;
    };
    /** the slot whose child says it holds the lease; `among`: the children that may take it */
    const holder = async (among: readonly Child[]) => slots.indexOf(among[await Promise.race(among.map((c, i) => leaseOf(c).then(() => i)))]!);
    const statuses = async () => Promise.all(slots.map(async (c) => {
      const { value } = await c.request<{ held: boolean; projecting: boolean }>({ op: 'status' });
      return projected ? value.projecting : value.held;
    }));
    /** one session holds each lease, as the server sees them (pg_locks) */
    const oneHolderEach = async () => {
      const holders = await Promise.all([...new Set([leaseName, PEER_DELIVERY_LEASE])].map(async (name) => (await leaseSessions(url, name)).length));
      expect(holders, `holders of ${leaseName}, ${PEER_DELIVERY_LEASE}`).to.deep.equal(holders.map(() => 1));
    };
    const journal = new RunJournal();
    const figures = { commands: 0, acknowledged: 0, lostToKills: 0, kills: 0, takeovers: 0, probes: 0, mismatches: 0 };

    let leader = await holder(slots);
    expect(await statuses()).to.deep.equal(slots.map((_, i) => i === leader));
    await oneHolderEach();

    const next = workload(seeded(SEED));
    const acknowledged = new Map<string, readonly string[]>();
    const pickChild = seeded(SEED + 1);
    let issued = 0;
    let probes = 0;

    /** A write acknowledged by one process is seen by a read in another right away. */
    const probe = async () => {
      const live = slots.filter((c) => c.alive);
      if (live.length < 2) return;
      const [writer, reader] = [live[probes % live.length]!, live[(probes + 1) % live.length]!];
      const idClient = `probe-${++probes}`;
      const message = { scene: 'p2p' as const, from: 'src', to: 'probe', idClient, type: 'text', text: idClient, time: 2_000_000 + probes };
      // a kill in another worker may fall on the writer or the reader meanwhile: then this probe proves nothing
      let seen: Session | null;
      try {
        await writer.request({ op: 'receive', account: 'probe', device: 'd0', message });
        acknowledged.set(idClient, ['probe']);
        seen = (await reader.request<Session | null>({ op: 'read', account: 'probe', device: 'd0', sessionId: 'p2p-src' })).value;
      } catch (error) {
        if (!(error instanceof Error) || error.name !== 'ChildGone') throw error;
        journal.note(`${idClient} (${writer.name} -> ${reader.name}) not counted: ${error.message}`, ['probe']);
        return;
      }
      figures.probes++;
      if (seen?.lastMsg?.idClient !== idClient) figures.mismatches++;
    };

    const kill = async (index: number, asLeader: boolean) => {
      const survivors = slots.filter((_, i) => i !== index);
      journal.note(`kill ${slots[index]!.name} (slot ${index}${asLeader ? ', the leader' : ''}) at command ${issued}`);
      await slots[index]!.kill();
      figures.kills++;
      await start(index);
      journal.note(`${slots[index]!.name} restarted in slot ${index} at command ${issued}`);
      if (!asLeader) return;
      // one of the survivors, waiting in the server since it opened, takes the lease over
      leader = await holder(survivors);
      figures.takeovers++;
      expect(leader).to.not.equal(index);
    };

    let firstKill: Promise<void> = Promise.resolve();
    const worker = async () => {
      while (issued < COMMANDS) {
        const i = issued++;
        if (i === Math.floor(COMMANDS / 3)) await (firstKill = kill(leader, true));
        // the second waits for the first's takeover, so it knows which process is the leader now
        if (i === Math.floor((2 * COMMANDS) / 3)) await firstKill.then(() => kill((leader + 1) % 3, false));
        if (i % PROBE_EVERY === 0) await probe();
        const step: Step = next();
        // to a live process (a killed one's slot is empty until its restart is ready)
        const live = slots.filter((c) => c.alive);
        const child = live[Math.floor(pickChild() * live.length)]!;
        figures.commands++;
        const what = `#${i} ${child.name} ${JSON.stringify(step.body)}`;
        const accounts = [...new Set([...('account' in step.body ? [step.body.account] : []), ...[...step.holders.values()].flat()])];
        journal.note(`${what} issued`, accounts);
        try {
          await child.request(step.body);
          figures.acknowledged++;
          for (const [id, holders] of step.holders) acknowledged.set(id, holders);
          journal.note(`#${i} acknowledged by ${child.name}`, accounts);
        } catch (error) {
          if (!(error instanceof Error) || error.name !== 'ChildGone') throw error;
          figures.lostToKills++;
          journal.note(`#${i} lost: ${child.name} was killed first`, accounts);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    expect(await statuses()).to.deep.equal(slots.map((_, i) => i === leader));
    await oneHolderEach();

    // cross-process update latency: a view's updates$ in one process hears of a message another recorded
    // on EventStoreDB the view watches in the projector's process: a view elsewhere does not hear
    // of rows another process's projector wrote yet (view delivery, fixed apart from this test)
    const [writer, watcher] = [slots[(leader + 1) % 3]!, slots[(leader + (projected ? 0 : 2)) % 3]!];
    const heard = new Map<string, (at: number) => void>();
    watcher.onHeard = (id, at) => heard.get(id)?.(at);
    await watcher.request({ op: 'watch', account: 'lat', device: 'd0' });
    const latencies: number[] = [];
    for (let k = 0; k < LATENCY_MESSAGES; k++) {
      const idClient = `lat-${k}`;
      const heardAt = new Promise<number>((resolve) => heard.set(idClient, resolve));
      const message = { scene: 'p2p' as const, from: 'src', to: 'lat', idClient, type: 'text', text: idClient, time: 3_000_000 + k };
      const { at } = await writer.request({ op: 'receive', account: 'lat', device: 'd0', message });
      acknowledged.set(idClient, ['lat']);
      latencies.push((await heardAt) - at);
    }

    await Promise.all(slots.map((c) => c.close()));
    // the last ledger standing holds the lease: a send whose sender died before its copy is delivered now
    const checker = await createLedger({ store: shared.store, ...(projected && { readModels: shared.readModels }) });
    try {
      await peerDeliveryOf(checker).lease!.caughtUp;
      const store = await openStore(shared.store);
      const events = await store.readAll({ fromPosition: START }).finally(() => store.close());
      // EventStoreDB: the checker projects now; its tables hold the last ledger event once it waited for it
      const last = events.filter((e) => e.streamName.startsWith(STREAM_ROOT)).at(-1)!;
      expect(await checker.waitForPosition(positionText(last.position), { timeoutMs: 30_000 })).to.equal(true);
      const rows = await fromTables(checker, url);
      const rebuilt = await replayed(shared.store);
      const keys = new Set([...Object.keys(rows), ...Object.keys(rebuilt)]);
      const differing = [...keys].filter((k) => JSON.stringify(rows[k]) !== JSON.stringify(rebuilt[k]));
      figures.mismatches += differing.length;
      if (differing.length > 0) expect.fail(`seed ${SEED}: ${mismatchReport(differing, rows, rebuilt, events, journal)}`);
      expect(rows).to.deep.equal(rebuilt);

      const counts = recordedCounts(events);
      const wrong: string[] = [];
      for (const [id, holders] of acknowledged) {
        for (const account of holders) if (counts.get(id)?.get(account) !== 1) wrong.push(`${id}@${account}: ${counts.get(id)?.get(account) ?? 0}`);
      }
      // never twice anywhere, acknowledged or not; every send that was recorded reached its peer
      for (const [id, byAccount] of counts) for (const [account, n] of byAccount) if (n !== 1) wrong.push(`${id}@${account}: ${n}`);
      for (const e of events) {
        if (e.type !== 'MessageSent') continue;
        const { message } = e.data as MessageReceivedEvent['data'];
        if (counts.get(message.idClient)?.get(message.to) !== 1) wrong.push(`${message.idClient} never reached ${message.to}`);
      }
      expect(wrong, 'messages not recorded exactly once').to.deep.equal([]);
      expect(figures.kills).to.equal(2);
      expect(figures.takeovers).to.equal(1);
      expect(figures.probes).to.be.greaterThan(4);
      expect(figures.mismatches).to.equal(0);
      console.log(`      multi-process ${deployment.tag} (seed ${SEED}): ${JSON.stringify({ ...figures, messagesChecked: acknowledged.size, events: events.length })}`);
      console.log(`      cross-process updates$ latency over ${latencies.length} messages (ack in A -> update in B${projected ? ', the projector: it publishes before A, which waits for its commit, resolves' : ''}): p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`);
    } finally {
      await checker.close();
    }
  });
});
