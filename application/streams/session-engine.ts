import type { Logger } from '../ports/logger.js';
import { WARNING_LOGGER } from './warning-logger.js';
import { asyncScheduler, Observable, Subject, takeUntil } from 'rxjs';
import { deepCopy } from './deep-copy.js';
import { StreamClosedError } from './errors.js';
import type { HandlerStream } from './handler-stream.js';
import { BUILT_IN_IDENTIFIERS } from './identifiers.js';
import { isPromiseLike } from './promise-like.js';
import { SessionManager, type HandlerKind, type RunHost } from './session-manager.js';
import { checkBufferSize, StreamSettings } from './stream-settings.js';
import type {
  IdOf,
  IncomingMessage,
  ReplyFunction,
  SessionContext,
  SessionEngineOptions,
  SessionEngineStats,
  SessionHandler,
  SessionOptions,
  Trigger,
  Unregister,
} from './types.js';

/**
 * Ion.js's session layer on RxJS: reads `{ message, account }` from source$, starts session
 * handlers by trigger, and feeds each running handler the messages of its id (docs/STREAMS.md M1–M3).
 */
export class SessionEngine {
  /** handler errors, trigger/identifier errors, stream overflows; completes on close() */
  readonly errors$: Observable<Error>;
  private readonly errors = new Subject<Error>();
  private readonly logger: Logger;
  private readonly stop$ = new Subject<void>();
  private readonly managers = new Map<string, SessionManager>();
  /** the managers' values, walked per message without an iterator */
  private readonly managerList: SessionManager[] = [];
  private readonly replyFunction: ReplyFunction | undefined;
  /** every stream's settings, unless its registration sets its own bufferSize */
  private readonly settings: StreamSettings;
  private readonly host: RunHost;
  private handlers = 0;
  private idleWaiters: (() => void)[] = [];
  private isClosed = false;
  /** source$ completed or failed */
  private sourceDone = false;
  /** ...and every message it gave is routed: streams serve their buffers, then end */
  private drained = false;

  constructor(options: SessionEngineOptions) {
    if (typeof options?.source$?.subscribe !== 'function') {
      throw new TypeError('new SessionEngine({ source$ }): source$ must be an Observable of { message, account }');
    }
    if (options.reply !== undefined && typeof options.reply !== 'function') {
      throw new TypeError('new SessionEngine({ reply }): reply must be a function (ctx, text) => Promise');
    }
    this.logger = options.logger ?? WARNING_LOGGER;
    this.settings = this.streamSettings(options.bufferSize, 'new SessionEngine', options.scheduler ?? asyncScheduler);
    this.replyFunction = options.reply;
    this.errors$ = this.errors.asObservable();
    this.host = this.makeHost();
    for (const [name, idOf] of Object.entries(BUILT_IN_IDENTIFIERS)) this.addManager(name, idOf);
    const source$ = options.source$;
    new Observable<IncomingMessage>((subscriber) => source$.subscribe(subscriber))
      .pipe(takeUntil(this.stop$))
      .subscribe({
        next: (incoming) => this.accept(incoming),
        error: (error: unknown) => {
          this.report(error);
          this.endSource();
        },
        complete: () => this.endSource(),
      });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Registers a session handler (M1.3): `useSession(trigger, options)(handler)`. Throws when both
   * `concurrent` and `override` are set or the identifier is unknown. Returns its unregister.
   */
  useSession(trigger: Trigger, options: SessionOptions = {}): (handler: SessionHandler) => Unregister {
    if (typeof trigger !== 'function') {
      throw new TypeError('useSession(trigger): trigger must be a function (ctx) => boolean | Promise<boolean>');
    }
    const { identifier = 'default', concurrent = false, override = false, bufferSize } = options;
    if (concurrent && override) {
      throw new Error(
        'useSession: `concurrent` and `override` cannot both be set; a concurrent handler runs beside ' +
          'the others, an override handler replaces the running one: choose one',
      );
    }
    if (bufferSize !== undefined) checkBufferSize(bufferSize, 'useSession');
    const manager = this.managers.get(identifier);
    if (!manager) {
      throw new Error(
        `useSession: unknown identifier '${identifier}'; use ${[...this.managers.keys()].map((n) => `'${n}'`).join(', ')} ` +
          `or create it first with engine.createSessionManager('${identifier}', idOf)`,
      );
    }
    const kind: HandlerKind = concurrent ? 'concurrent' : override ? 'override' : 'normal';
    return (handler: SessionHandler): Unregister => {
      if (typeof handler !== 'function') {
        throw new TypeError('useSession(trigger, options)(handler): handler must be a function (ctx) => unknown');
      }
      if (this.isClosed) throw new Error('useSession: this SessionEngine is closed; create a new one');
      const settings = bufferSize === undefined ? this.settings : this.streamSettings(bufferSize, 'useSession', this.settings.scheduler);
      return manager.register({ trigger, handler, kind, settings, instances: new Map(), retired: false, owner: manager });
    };
  }

  /** A custom identifier generator (M1.2); `idOf` may be async and returns undefined for "not mine". */
  createSessionManager(name: string, idOf: IdOf): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError('createSessionManager(name, idOf): name must be a non-empty string');
    }
    if (typeof idOf !== 'function') {
      throw new TypeError(`createSessionManager('${name}', idOf): idOf must be a function (ctx) => id | undefined`);
    }
    if (this.managers.has(name)) {
      throw new Error(`createSessionManager: a session manager named '${name}' exists already; pick another name`);
    }
    this.addManager(name, idOf);
  }

  /** Stops reading source$, closes every stream (pending get()s reject), completes errors$. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.stop$.next();
    this.stop$.complete();
    for (const manager of this.managerList) manager.clear();
    for (const stream of this.openStreams()) stream.close('close');
    this.errors.complete();
    this.notifyIdle();
  }

  /**
   * Resolves once no handler runs and no message is being routed (at once if so already); tests
   * and shutdown code await it instead of waiting for time to pass.
   */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Live resources, to prove that nothing leaks. */
  stats(): SessionEngineStats {
    let pendingGets = 0;
    let timers = 0;
    let buffered = 0;
    const streams = this.openStreams();
    for (const stream of streams) {
      pendingGets += stream.pendingGets;
      timers += stream.pendingTimers;
      buffered += stream.size;
    }
    let routing = 0;
    for (const manager of this.managerList) routing += manager.inFlight;
    return { handlers: this.handlers, streams: streams.length, pendingGets, timers, buffered, routing };
  }

  private addManager(name: string, idOf: IdOf): void {
    const manager = new SessionManager(name, idOf, this.host);
    this.managers.set(name, manager);
    this.managerList.push(manager);
  }

  private streamSettings(bufferSize: number | undefined, where: string, scheduler: StreamSettings['scheduler']): StreamSettings {
    if (bufferSize !== undefined) checkBufferSize(bufferSize, where);
    return new StreamSettings({ bufferSize, scheduler, onOverflow: (error) => this.report(error) }, where);
  }

  /** Every open stream: each is registered as running in its manager until it closes. */
  private openStreams(): HandlerStream[] {
    const streams: HandlerStream[] = [];
    for (const manager of this.managerList) streams.push(...manager.streams());
    return streams;
  }

  private accept(incoming: IncomingMessage): void {
    if (typeof incoming !== 'object' || incoming === null || typeof incoming.message !== 'object' || incoming.message === null) {
      this.report(new TypeError('source$ emitted a value that is not { message, account }; it was skipped'));
      return;
    }
    const managers = this.managerList;
    for (let i = 0; i < managers.length; i++) managers[i]!.accept(incoming);
  }

  private isIdle(): boolean {
    if (this.handlers > 0) return false;
    for (const manager of this.managerList) if (manager.busy) return false;
    return true;
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private endSource(): void {
    this.sourceDone = true;
    this.checkDrained();
  }

  private checkDrained(): void {
    if (!this.sourceDone || this.drained || this.isClosed) return;
    for (const manager of this.managerList) if (manager.busy) return;
    this.drained = true;
    for (const stream of this.openStreams()) stream.end();
  }

  private makeHost(): RunHost {
    const engine = this;
    return {
      get closed() {
        return engine.isClosed;
      },
      start: (run, incoming) => this.start(run, incoming),
      report: (error) => this.report(error),
      idle: () => {
        this.checkDrained();
        this.notifyIdle();
      },
    };
  }

  /**
   * Calls the handler with its context (M1.1). The context's functions and the handler's completion
   * callbacks are made in this one scope, so they share one closure context per handler.
   */
  private start(run: HandlerStream, incoming: IncomingMessage): void {
    this.handlers++;
    let outcome: unknown;
    // declared out of the try block: a block-scoped ctx would cost the closures a second context
    let ctx: SessionContext;
    try {
      ctx = {
        message: deepCopy(incoming.message),
        account: incoming.account,
        stream: run,
        get: (filter, options) => run.getCopy(filter, options),
        reply: (text) => this.reply(ctx, text),
      };
      if (this.drained) run.end();
      outcome = run.registration.handler(ctx);
    } catch (error) {
      this.finish(run, { error });
      return;
    }
    if (isPromiseLike(outcome)) {
      outcome.then(
        () => this.finish(run),
        (error: unknown) => this.finish(run, { error }),
      );
    } else {
      this.finish(run);
    }
  }

  private finish(run: HandlerStream, failure?: { error: unknown }): void {
    this.handlers--;
    const stream = run;
    // A handler ended by an override, close() or the end of source$ usually throws its stream's
    // StreamClosedError: that is how it learns it was ended, not a fault to report.
    const endedByEngine =
      failure?.error instanceof StreamClosedError &&
      failure.error.reason !== 'free' &&
      failure.error.reason === stream.closeReason;
    stream.free();
    if (failure && !endedByEngine) this.report(failure.error);
    this.notifyIdle();
  }

  private reply(ctx: SessionContext, text: string): Promise<unknown> {
    const send = this.replyFunction;
    if (!send) {
      return Promise.reject(
        new Error(
          'ctx.reply has no way to send: pass reply to new SessionEngine({ source$, reply }) ' +
            'or use the engine from ledger.bot(account)',
        ),
      );
    }
    if (typeof text !== 'string') return Promise.reject(new TypeError('ctx.reply(text): text must be a string'));
    try {
      return Promise.resolve(send(ctx, text));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** errors$ when someone listens, the logger otherwise: an error is never swallowed (M2.6). */
  private report(error: unknown): void {
    const reported =
      error instanceof Error ? error : new Error('a session handler threw a value that is not an Error', { cause: error });
    if (this.errors.observed) this.errors.next(reported);
    else this.logger.error(`a session handler failed: ${reported.message}`, { error: reported });
  }
}
