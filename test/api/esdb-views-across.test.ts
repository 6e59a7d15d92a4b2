import { expect } from 'chai';
import { filter, firstValueFrom } from 'rxjs';
import type { DeviceView } from '../../application/api/device-view.js';
import type { Ledger } from '../../application/api/ledger.js';
import { createLedger } from '../../infrastructure/create-ledger.js';
import type { Logger } from '../../application/ports/logger.js';
import { startTestServer, type TestServer } from '../esdb-server/server.js';
import { p2p } from '../support/messages.js';
import { leaseHolder } from '../support/projected-read-models.js';
import { freshPostgresUrl, withClient } from '../support/postgres.js';

/**
 * Two ledgers on one EventStoreDB (the test server) with their read models in one PostgreSQL
 * schema, as two processes: one projects (it holds the lease), the other follows the checkpoint.
 * A device view in each hears every message either records, once, in order.
 */
/** messages the latency figure is measured over */
const LATENCY_MESSAGES = 200;

describe('issue 9.4 device views across processes on EventStoreDB with read models in PostgreSQL [esdb+postgres]', function () {
  this.timeout(60_000);
  const clock = { now: 3_000_000 };
  const open: Ledger[] = [];
  let env: { server: TestServer; readModels: string } | undefined;
  beforeEach(async () => {
    env = { server: await startTestServer(), readModels: await freshPostgresUrl() };
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close()));
    await env?.server.close();
  });
  const ledger = async (logger?: Logger) => {
    const opened = await createLedger({ store: env!.server.url, readModels: env!.readModels, clock: () => clock.now, ...(logger && { logger }) });
    open.push(opened);
    return opened;
  };

  /** The idClients of the messages a view's updates$ told, in order. */
  function heardBy(view: DeviceView): string[] {
    const heard: string[] = [];
    view.updates$.subscribe((s) => heard.push(s.lastMsg?.idClient ?? '?'));
    return heard;
  }

  /** Messages m<from>… recorded in turn by `ledgers`; resolves once both views heard the last. */
  async function recordInTurn(ledgers: Ledger[], views: DeviceView[], from: number, count: number): Promise<void> {
    const last = `m${from + count - 1}`;
    const heard = views.map((v) => firstValueFrom(v.updates$.pipe(filter((s) => s.lastMsg?.idClient === last))));
    for (let i = from; i < from + count; i++) {
      await ledgers[i % 2]!.account('alice').receiveMessage(p2p(`u${i}`, 'alice', ++clock.now, { idClient: `m${i}` }));
    }
    await Promise.all(heard);
  }

  it('S2.1 a view in the process that does not project hears the messages the projecting one records, and the other way round, once each, in order; also after a takeover', async () => {
    const a = await ledger();
    const inA = a.account('alice');
    await inA.ready;
    // B says when it takes the lease over (its projector logs it once it leads)
    let leads!: () => void;
    const bLeads = new Promise<void>((resolve) => (leads = resolve));
    const quiet = () => undefined;
    const b = await ledger({ debug: quiet, warn: quiet, error: quiet, info: (message) => message.startsWith('this process projects the read models now') && leads() });
    const inB = b.account('alice');
    await inB.ready;
    expect([a.projecting, b.projecting], 'projecting [a, b]').to.deep.equal([true, false]);
    const [heardA, heardB] = [heardBy(inA), heardBy(inB)];
    await recordInTurn([a, b], [inA, inB], 0, 6);

    // the projector's session ends: B takes the lease over
    const { readModels } = env!;
    await withClient(readModels, (c) => leaseHolder(readModels).then((pid) => c.query('SELECT pg_terminate_backend($1)', [pid])));
    // on a loaded machine A may go on saving batches until it hears that its session ended (the
    // checkpoint's guard keeps a deposed projector from writing once B moved it): wait for B to lead
    await bLeads;
    await recordInTurn([a, b], [inA, inB], 6, 6);
    expect([a.projecting, b.projecting], 'projecting after the takeover [a, b]').to.deep.equal([false, true]);
    const all = Array.from({ length: 12 }, (_, i) => `m${i}`);
    expect(heardA, 'heard in A').to.deep.equal(all);
    expect(heardB, 'heard in B').to.deep.equal(all);
  });

  it('9.4 cross-process updates$ latency, printed (not asserted): a view in the process that does not project hears each message the projecting one recorded once', async () => {
    const a = await ledger();
    await a.account('alice').ready;
    const b = await ledger();
    const inB = b.account('alice');
    await inB.ready;
    const heardAt = new Map<string, number[]>();
    inB.updates$.subscribe((s) => heardAt.set(s.lastMsg?.idClient ?? '?', [...(heardAt.get(s.lastMsg?.idClient ?? '?') ?? []), performance.now()]));
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_MESSAGES; i++) {
      const id = `lat${i}`;
      const heard = firstValueFrom(inB.updates$.pipe(filter((s) => s.lastMsg?.idClient === id)));
      await a.account('alice').receiveMessage(p2p(`v${i % 7}`, 'alice', ++clock.now, { idClient: id }));
      const acked = performance.now();
      await heard;
      // B may hear of it before A's command resolves (both wait on the same commit): 0 then
      latencies.push(Math.max(0, heardAt.get(id)![0]! - acked));
    }
    expect([...heardAt.values()].filter((times) => times.length !== 1), 'messages heard other than once').to.deep.equal([]);
    latencies.sort((x, y) => x - y);
    const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(2);
    console.log(`      esdb + PostgreSQL read models: updates$ latency in the process that does not project over ${latencies.length} messages (ack in A -> update in B): p50 ${at(50)} ms, p99 ${at(99)} ms`);
  });
});
