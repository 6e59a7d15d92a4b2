import type { Session } from '../../projections/session-list/model.js';
import type { SessionListReader } from '../../projections/session-list/reader.js';
import { history, sessionsAt, timeline, type HistoryEntry, type TimelineEntry } from '../read/audit.js';
import { CommandBus } from '../write/command-bus.js';
import { CommandHandler, type RetryPolicy } from '../write/command-handler.js';
import { HandlerContext } from '../write/handler-context.js';
import { DeviceView, type DeviceViewOptions } from './device-view.js';
import { LedgerClosedError } from '../errors.js';
import { checkViewArgs } from '../validation.js';
import { checkAuditQuery, positionOf, positionText } from './ledger-queries.js';
import type { Clock } from '../ports/clock.js';
import type { EventStore } from '../ports/event-store.js';
import type { KeyLocks } from '../ports/key-locks.js';
import type { LeaseElector } from '../ports/lease.js';
import { SILENT_LOGGER, type Logger } from '../ports/logger.js';
import { ProjectionRunner, type RunnerOptions } from '../read/projection-runner.js';
import { QueryBus } from '../read/query-bus.js';
import { ViewChangeRouter } from '../read/view-router.js';
import { createBot } from '../reactors/bot.js';
import { PeerDelivery } from '../reactors/peer-delivery.js';
import type { SessionEngine } from '../streams/session-engine.js';

export interface LedgerParts {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly runner?: RunnerOptions;
  /** where the ledger reports what it cannot throw to a caller; default: nowhere */
  readonly logger?: Logger;
  /** how a command waits between attempts after a conflict (default: jittered, 2 ms doubling to 250 ms, 12 attempts) */
  readonly retry?: RetryPolicy;
  /**
   * A store that many processes share: peer delivery runs in the one holding its lease, and
   * decisions that read across streams take turns with the other processes through `locks`.
   */
  readonly shared?: { readonly leases: LeaseElector; readonly locks: KeyLocks };
}

interface Wiring {
  readonly parts: LedgerParts;
  readonly runner: ProjectionRunner;
  readonly handler: CommandHandler;
  readonly peers: PeerDelivery;
  readonly logger: Logger;
}

const RUNNERS = new WeakMap<Ledger, ProjectionRunner>();
const PEERS = new WeakMap<Ledger, PeerDelivery>();
const DEFAULT_WAIT_MS = 2000;

/** Internal, for benches and tests (not exported by the package): the ledger's projection runner. */
export function projectionRunnerOf(ledger: Ledger): ProjectionRunner {
  return RUNNERS.get(ledger)!;
}

/** Internal, for tests: the ledger's peer delivery (whether it holds the lease, on a shared store). */
export function peerDeliveryOf(ledger: Ledger): PeerDelivery {
  return PEERS.get(ledger)!;
}

/** The recent-sessions ledger: commands in, read models out, history for audit. */
export class Ledger {
  readonly commands: CommandBus;
  readonly queries: QueryBus;
  private readonly store: EventStore;
  private readonly runner: ProjectionRunner;
  private readonly peers: PeerDelivery;
  private readonly logger: Logger;
  /** the logger the user gave, if any: bots without one report unheard errors as process warnings (M2.6) */
  private readonly givenLogger: Logger | undefined;
  /** the open view of each (account, device), handed out again to calls without callbacks */
  private readonly views = new Map<string, DeviceView>();
  private readonly others = new Set<DeviceView>();
  /** each open view's hold on its account's read models (tables shared by processes) */
  private readonly kept = new Map<DeviceView, () => void>();
  private readonly router: ViewChangeRouter;
  private readonly bots = new Set<SessionEngine>();
  private readonly clock: Clock;
  private closing: Promise<void> | undefined;

  private constructor({ parts, runner, handler, peers, logger }: Wiring) {
    this.store = parts.store;
    this.clock = parts.clock;
    this.runner = runner;
    this.peers = peers;
    this.logger = logger;
    this.givenLogger = parts.logger;
    // tables another process's projector may write: a command reads its account again after its write is in them
    const use = parts.runner?.projector && runner.use;
    const readAgain = use ? async (account: string) => void (runner.projecting || (await use(account))()) : undefined;
    const ctx = new HandlerContext({ handler, readModels: runner, peers, clock: parts.clock, locks: parts.shared?.locks, readAgain });
    this.commands = new CommandBus(ctx);
    // reads are refused once close() was called, as commands are (LedgerClosedError)
    this.queries = new QueryBus(() => {
      this.assertOpen();
      return runner.reader;
    }, runner.use && ((account) => {
      this.assertOpen();
      return runner.use!(account);
    }));
    this.router = new ViewChangeRouter(runner);
    RUNNERS.set(this, runner);
    PEERS.set(this, peers);
  }

  /** Opens on a store: the read models resume from their checkpoint and catch up first. */
  static async open(parts: LedgerParts): Promise<Ledger> {
    const logger = parts.logger ?? SILENT_LOGGER;
    const runner = new ProjectionRunner(parts.store, { ...parts.runner, logger });
    await runner.start();
    const handler = new CommandHandler(parts.store, parts.retry);
    const peers = new PeerDelivery({ store: parts.store, handler, readModels: runner, logger, leases: parts.shared?.leases });
    try {
      await peers.start(runner.position);
    } catch (error) {
      await runner.close().catch(() => undefined);
      throw error;
    }
    return new Ledger({ parts, runner, handler, peers, logger });
  }

  /**
   * A device view of `accountId` (README, "A tour of the API"); its options are recorded on first use (S10.3). Called
   * again for a device whose view is open, with no callbacks and no other options, it returns
   * that view: one registration and one listener per device, however often it is called.
   */
  account(accountId: string, options: DeviceViewOptions = {}): DeviceView {
    this.assertOpen();
    checkViewArgs(accountId, options);
    this.prune();
    const key = JSON.stringify([accountId, options.device ?? 'default']);
    const open = this.views.get(key);
    if (open && open.sameOptions(options)) return open;
    const view = new DeviceView({ account: accountId, options, commands: this.commands, queries: this.queries, reader: () => this.runner.reader, router: this.router, logger: this.logger, assertOpen: () => this.assertOpen() });
    this.kept.set(view, this.runner.keep(accountId));
    if (options.onsessions || options.onupdatesession) {
      this.others.add(view);
    } else {
      if (open) this.others.add(open); // still open for whoever holds it; closed with the ledger
      this.views.set(key, view);
    }
    return view;
  }

  /**
   * True while this process runs the read-model projector: it holds the lease of read models that
   * one process projects for all (an EventStoreDB store with `readModels: 'postgres://…'`). False
   * otherwise, and on the other stores, where no projector runs.
   */
  get projecting(): boolean {
    return this.runner.projecting;
  }

  /** The read models, through their port (what the CLI and tools read). */
  get reader(): SessionListReader {
    return this.runner.reader;
  }

  /**
   * The log position the read models reflect, as a decimal string: the commit position of the last
   * event they applied, so a query answered now includes every event up to it. It only grows;
   * '-1' while nothing was applied (a store's first event may sit at position 0).
   */
  position(): string {
    return positionText(this.runner.position);
  }

  /**
   * Resolves true once the read models reflect `position` (from `position()`, or an event's commit
   * position), false after `timeoutMs` (default 2000).
   */
  async waitForPosition(position: string, options: { timeoutMs?: number } = {}): Promise<boolean> {
    this.assertOpen();
    const reached = this.runner.waitFor(positionOf(position)).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), options.timeoutMs ?? DEFAULT_WAIT_MS);
      timer.unref();
    });
    try {
      return await Promise.race([reached, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** S10.3: a session's events with their metadata, in log order (its current-session changes included); [] if it never existed. */
  async history(query: { account: string; sessionId: string }): Promise<HistoryEntry[]> {
    this.assertOpen();
    checkAuditQuery('history', query, { sessionId: true });
    return history(this.store, query);
  }

  /** S10.3: a device's list as it was at ledger time `at`, most recent first, rebuilt by replay. */
  async sessionsAt(query: { account: string; device?: string; at: number }): Promise<Session[]> {
    this.assertOpen();
    checkAuditQuery('sessionsAt', query, { at: true });
    return sessionsAt(this.store, { ...query, device: query.device ?? 'default' });
  }

  /** Every event of a session with the device's unread after it (the CLI's `history`). */
  async timeline(query: { account: string; sessionId: string; device?: string }): Promise<TimelineEntry[]> {
    this.assertOpen();
    checkAuditQuery('timeline', query, { sessionId: true });
    return timeline(this.store, { ...query, device: query.device ?? 'default' });
  }

  /**
   * A SessionEngine (the message streams) fed by `accountId`'s incoming messages committed from
   * now on; `ctx.reply(text)` sends from `accountId` through the command bus (M4).
   */
  bot(accountId: string, options: { bufferSize?: number } = {}): SessionEngine {
    this.assertOpen();
    if (typeof accountId !== 'string' || accountId.length === 0) throw new TypeError('ledger.bot(accountId): accountId must be a non-empty string');
    this.prune();
    const engine = createBot({
      runner: this.runner, commands: this.commands, clock: this.clock, account: accountId,
      ...(options.bufferSize !== undefined && { bufferSize: options.bufferSize }),
      ...(this.givenLogger && { logger: this.givenLogger }),
    });
    this.bots.add(engine);
    return engine;
  }

  /**
   * Flushes the read-model checkpoint and releases the store. From the call on, every command and
   * read (queries, a view's reads, history, sessionsAt, timeline) fails with LedgerClosedError.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // New commands are refused; those under way finish first (or fail, if the store is gone).
      this.peers.stopRetrying();
      for (const bot of this.bots) bot.close();
      // S4.2: closing the ledger ends every open view's current session, recorded before commands stop.
      await Promise.all([...this.views.values(), ...this.others].map((view) => view.endCurrentSession()));
      await this.commands.close();
      for (const view of [...this.views.values(), ...this.others]) view.close();
      this.router.close();
      await this.peers.close();
      await this.runner.close();
      await this.store.close();
    })();
    return this.closing;
  }

  /** `await using ledger = await createLedger(…)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Forgets views and bots their users closed. */
  private prune(): void {
    for (const [key, view] of this.views) if (view.closed) this.views.delete(key);
    for (const view of this.others) if (view.closed) this.others.delete(view);
    for (const bot of this.bots) if (bot.closed) this.bots.delete(bot);
    for (const [view, release] of this.kept) {
      if (!view.closed) continue;
      this.kept.delete(view);
      release();
    }
  }

  /** True from `close()` on: every command and read then fails with LedgerClosedError. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  private assertOpen(): void {
    if (this.closing) throw new LedgerClosedError();
  }
}
