import type { Session } from '../projections/read-model.js';
import { history, sessionsAt, timeline, type HistoryEntry, type TimelineEntry } from './audit.js';
import { CommandBus } from './command-bus.js';
import { DeviceView, type DeviceViewOptions } from './device-view.js';
import { LedgerClosedError, ValidationError, type FieldError } from './errors.js';
import { fieldProblem } from './validation.js';
import { parseSessionId } from '../domain/identity.js';
import { HandlerContext } from './handlers/handler-context.js';
import type { Clock } from './ports/clock.js';
import type { EventStore } from './ports/event-store.js';
import { ProjectionRunner, type RunnerOptions } from './projection-runner.js';
import { QueryBus } from './query-bus.js';
import { StreamPipeline } from './stream-pipeline.js';
import { createBot } from './bot.js';
import type { SessionEngine } from './streams/session-engine.js';
import { ViewChangeRouter } from './view-router.js';
import { PeerDelivery } from './peer-delivery.js';

export interface LedgerParts {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly runner?: RunnerOptions;
}

/** S10.1 for the audit queries: every bad field named. */
function checkAuditQuery(name: string, query: unknown, needs: { sessionId?: boolean; at?: boolean }): void {
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const problems: FieldError[] = [];
  if (typeof q['account'] !== 'string' || q['account'] === '') problems.push(fieldProblem('account', q['account'], 'isNotEmpty', 'must be a non-empty string'));
  if (q['device'] !== undefined && (typeof q['device'] !== 'string' || q['device'] === '')) problems.push(fieldProblem('device', q['device'], 'isNotEmpty', 'must be a non-empty string when given'));
  if (needs.sessionId && (typeof q['sessionId'] !== 'string' || !parseSessionId(q['sessionId']))) {
    problems.push(fieldProblem('sessionId', q['sessionId'], 'isSessionId', 'must be a session id such as p2p-bob or team-42'));
  }
  if (needs.at && (typeof q['at'] !== 'number' || !Number.isFinite(q['at']))) problems.push(fieldProblem('at', q['at'], 'isNumber', 'must be a ledger time in ms'));
  if (problems.length > 0) throw new ValidationError(name, problems);
}

/** The recent-sessions ledger: commands in, read models out, history for audit. */
export class Ledger {
  readonly commands: CommandBus;
  readonly queries: QueryBus;
  private readonly store: EventStore;
  private readonly runner: ProjectionRunner;
  private readonly views = new Set<DeviceView>();
  private readonly router: ViewChangeRouter;
  private readonly bots = new Set<SessionEngine>();
  private readonly clock: Clock;
  private closing: Promise<void> | undefined;

  private constructor(parts: LedgerParts, runner: ProjectionRunner, pipeline: StreamPipeline, private readonly peers: PeerDelivery) {
    this.store = parts.store;
    this.clock = parts.clock;
    this.runner = runner;
    const ctx = new HandlerContext(pipeline, runner, peers, parts.clock);
    this.commands = new CommandBus(ctx);
    this.queries = new QueryBus(() => runner.projection);
    this.router = new ViewChangeRouter(runner);
  }

  /** Opens on a store: the read models resume from their checkpoint and catch up first. */
  static async open(parts: LedgerParts): Promise<Ledger> {
    const runner = new ProjectionRunner(parts.store, parts.runner);
    await runner.start();
    const pipeline = new StreamPipeline(parts.store);
    const peers = new PeerDelivery(parts.store, pipeline, runner);
    try {
      await peers.start();
    } catch (error) {
      await runner.close().catch(() => undefined);
      throw error;
    }
    return new Ledger(parts, runner, pipeline, peers);
  }

  /** A device view of `accountId` (API.md); its options are recorded on first use (S10.3). */
  account(accountId: string, options: DeviceViewOptions = {}): DeviceView {
    this.assertOpen();
    if (typeof accountId !== 'string' || accountId.length === 0) throw new TypeError('ledger.account(accountId): accountId must be a non-empty string');
    this.prune();
    const view = new DeviceView(accountId, options, this.commands, this.queries, this.runner, this.router);
    this.views.add(view);
    return view;
  }

  /** S10.3: a session's events with their metadata, oldest first; [] if it never existed. */
  async history(query: { account: string; sessionId: string }): Promise<HistoryEntry[]> {
    this.assertOpen();
    checkAuditQuery('history', query, { sessionId: true });
    return history(this.store, query.account, query.sessionId);
  }

  /** S10.3: a device's list as it was at ledger time `at`, most recent first, rebuilt by replay. */
  async sessionsAt(query: { account: string; device?: string; at: number }): Promise<Session[]> {
    this.assertOpen();
    checkAuditQuery('sessionsAt', query, { at: true });
    return sessionsAt(this.store, query.account, query.device ?? 'default', query.at);
  }

  /** Every event of a session with the device's unread after it (the CLI's `history`). */
  async timeline(query: { account: string; sessionId: string; device?: string }): Promise<TimelineEntry[]> {
    this.assertOpen();
    checkAuditQuery('timeline', query, { sessionId: true });
    return timeline(this.store, query.account, query.sessionId, query.device ?? 'default');
  }

  /**
   * A SessionEngine (STREAMS.md) fed by `accountId`'s incoming messages committed from now on;
   * `ctx.reply(text)` sends from `accountId` through the command bus (M4).
   */
  bot(accountId: string, options: { bufferSize?: number } = {}): SessionEngine {
    this.assertOpen();
    if (typeof accountId !== 'string' || accountId.length === 0) throw new TypeError('ledger.bot(accountId): accountId must be a non-empty string');
    this.prune();
    const engine = createBot(this.runner, this.commands, this.clock, accountId, options.bufferSize);
    this.bots.add(engine);
    return engine;
  }

  /** The log position the read models reflect, as a decimal string. */
  position(): string {
    return this.runner.position.commit.toString();
  }

  /** Resolves true once the read models reflect `position`, false after `timeoutMs` (default 2000). */
  async waitForPosition(position: string, options: { timeoutMs?: number } = {}): Promise<boolean> {
    if (typeof position !== 'string' || !/^-?\d+$/.test(position)) throw new TypeError(`waitForPosition(position): a decimal string such as "42"; got ${JSON.stringify(position)}`);
    // prepare -1 : any event of that commit (or later) reaches it
    const reached = this.runner.waitFor({ commit: BigInt(position), prepare: -1n }).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), options.timeoutMs ?? 2000); });
    try {
      return await Promise.race([reached, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Internal: the projection runner, for wiring bots and tools. */
  get projections(): ProjectionRunner {
    return this.runner;
  }

  /** Flushes the read-model checkpoint and releases the store. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // New commands are refused; those under way finish first (or fail, if the store is gone).
      this.peers.stopRetrying();
      for (const bot of this.bots) bot.close();
      await this.commands.close();
      for (const view of this.views) view.close();
      this.router.close();
      await this.peers.close();
      await this.runner.close();
      await this.store.close();
    })();
    return this.closing;
  }

  /** Forgets views and bots their users closed. */
  private prune(): void {
    for (const view of this.views) if (view.closed) this.views.delete(view);
    for (const bot of this.bots) if (bot.closed) this.bots.delete(bot);
  }

  private assertOpen(): void {
    if (this.closing) throw new LedgerClosedError();
  }
}
