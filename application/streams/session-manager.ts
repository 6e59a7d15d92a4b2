import type { Message } from '../../domain/message.js';
import type { MessageStream } from './message-stream.js';
import { InOrder, KeyedSerialQueue } from './ordered-dispatch.js';
import { isPromiseLike, type MaybePromise } from './promise-like.js';
import type { IdOf, IncomingMessage, SessionHandler, Trigger, Unregister } from './types.js';

export type HandlerKind = 'normal' | 'override' | 'concurrent';

export interface Registration {
  readonly trigger: Trigger;
  readonly handler: SessionHandler;
  readonly kind: HandlerKind;
  readonly bufferSize: number | undefined;
  /** concurrent handlers only: the running instance per id (M2.3) */
  readonly instances: Map<string, Run>;
  /** unregistered: triggers nothing; a concurrent one still feeds its running instances */
  retired: boolean;
}

/** One running handler instance and the stream feeding it. */
export interface Run {
  readonly registration: Registration;
  readonly stream: MessageStream<Message>;
}

/** What a manager needs from its engine. */
export interface RunHost {
  readonly closed: boolean;
  /** makes the run's stream; `release` is called once, when that stream closes */
  prepare(registration: Registration, release: () => void): Run;
  /** calls the handler; its return or throw frees the stream (M2.6) */
  start(run: Run, incoming: IncomingMessage): void;
  report(error: unknown): void;
  /** the manager has no message left in flight */
  idle(): void;
}

/** Ion.js's single + concurrent session managers for one identifier generator. */
export class SessionManager {
  /** normal and override handlers in registration order: the last matching wins (M2.2) */
  private readonly singles: Registration[] = [];
  private readonly overrides: Registration[] = [];
  private readonly concurrents: Registration[] = [];
  /** the running normal handler per id (M2.1) */
  private readonly running = new Map<string, Run>();
  private readonly ids: InOrder<IncomingMessage, string | undefined>;
  private readonly routing: KeyedSerialQueue<string>;

  constructor(
    readonly name: string,
    private readonly idOf: IdOf,
    private readonly host: RunHost,
  ) {
    const report = (error: unknown) => host.report(error);
    const idle = () => {
      if (!this.busy) host.idle();
    };
    this.ids = new InOrder((incoming, id) => this.dispatch(incoming, id), report, idle);
    this.routing = new KeyedSerialQueue(report, idle);
  }

  get busy(): boolean {
    return this.ids.size > 0 || this.routing.size > 0;
  }

  /** messages waiting for their id or for their turn in their id's queue */
  get inFlight(): number {
    return this.ids.size + this.routing.pending;
  }

  register(registration: Registration): Unregister {
    for (const list of this.listsOf(registration.kind)) list.push(registration);
    return () => {
      if (registration.retired) return;
      registration.retired = true;
      // running normal instances live in `running`, so they keep their messages without the registration
      if (registration.kind !== 'concurrent') this.forget(registration);
      else if (registration.instances.size === 0) this.forget(registration);
    };
  }

  private forget(registration: Registration): void {
    for (const list of this.listsOf(registration.kind)) {
      const index = list.indexOf(registration);
      if (index >= 0) list.splice(index, 1);
    }
  }

  /** Names the message (ids of one generator keep the source order, even when async) and routes it. */
  accept(incoming: IncomingMessage): void {
    let id: MaybePromise<string | undefined>;
    try {
      id = this.idOf(incoming);
    } catch (error) {
      this.host.report(error);
      return;
    }
    this.ids.push(incoming, id);
  }

  /** Engine close: drops messages still in flight; the engine closes the streams. */
  clear(): void {
    this.ids.clear();
    this.routing.clear();
  }

  private listsOf(kind: HandlerKind): Registration[][] {
    switch (kind) {
      case 'normal':
        return [this.singles];
      case 'override':
        return [this.singles, this.overrides];
      case 'concurrent':
        return [this.concurrents];
      default: {
        const never: never = kind;
        throw new Error(`unknown handler kind ${String(never)}`);
      }
    }
  }

  private dispatch(incoming: IncomingMessage, id: string | undefined): void {
    if (id === undefined || id === null) return;
    const key = String(id);
    // per-id order: an async trigger check finishes before the next message of the id is looked at
    this.routing.run(key, () => this.route(incoming, key));
  }

  /**
   * Judges the triggers that can matter for this message, then acts in one synchronous step on the
   * state as it is then (a stream freed while a trigger was judged is seen, and judged for).
   */
  private route(incoming: IncomingMessage, id: string): MaybePromise<void> {
    const verdicts = new Map<Registration, boolean>();
    const step = (): MaybePromise<void> => {
      for (;;) {
        if (this.host.closed) return;
        const running = this.running.get(id);
        const singles = running ? this.overrides : this.singles;
        const unjudged: Registration[] = [];
        for (const registration of singles) if (!verdicts.has(registration)) unjudged.push(registration);
        for (const registration of this.concurrents) {
          if (!registration.retired && !registration.instances.has(id) && !verdicts.has(registration)) {
            unjudged.push(registration);
          }
        }
        if (unjudged.length === 0) return this.act(incoming, id, running, singles, verdicts);
        const judging = this.judge(unjudged, incoming, verdicts);
        if (judging) return judging.then(step);
      }
    };
    return step();
  }

  private judge(
    registrations: readonly Registration[],
    incoming: IncomingMessage,
    verdicts: Map<Registration, boolean>,
  ): Promise<void> | undefined {
    let waits: PromiseLike<void>[] | undefined;
    for (const registration of registrations) {
      let verdict: MaybePromise<boolean>;
      try {
        verdict = registration.trigger(incoming);
      } catch (error) {
        this.host.report(error);
        verdicts.set(registration, false);
        continue;
      }
      if (!isPromiseLike(verdict)) {
        verdicts.set(registration, Boolean(verdict));
        continue;
      }
      (waits ??= []).push(
        verdict.then(
          (passed) => void verdicts.set(registration, Boolean(passed)),
          (error: unknown) => {
            this.host.report(error);
            verdicts.set(registration, false);
          },
        ),
      );
    }
    return waits && Promise.all(waits).then(() => undefined);
  }

  private act(
    incoming: IncomingMessage,
    id: string,
    running: Run | undefined,
    singles: readonly Registration[],
    verdicts: ReadonlyMap<Registration, boolean>,
  ): void {
    let winner: Registration | undefined;
    for (let i = singles.length - 1; i >= 0 && !winner; i--) {
      if (verdicts.get(singles[i]!)) winner = singles[i];
    }
    if (winner) {
      // M2.4: only an override can win while a normal handler runs; it takes the id over
      running?.stream.close('override');
      this.launch(winner, incoming, this.running, id);
    } else {
      running?.stream.push(incoming.message); // M2.1
    }
    for (const registration of this.concurrents) {
      const instance = registration.instances.get(id);
      if (instance) instance.stream.push(incoming.message);
      else if (verdicts.get(registration) && !registration.retired) {
        this.launch(registration, incoming, registration.instances, id);
      }
    }
  }

  private launch(registration: Registration, incoming: IncomingMessage, table: Map<string, Run>, id: string): void {
    if (this.host.closed) return; // a handler may close the engine while a message is being acted on
    const run: Run = this.host.prepare(registration, () => {
      // M9.3: a replaced handler's stream releases the id only while it still holds it
      if (table.get(id) === run) table.delete(id);
      if (registration.retired && registration.instances.size === 0) this.forget(registration);
    });
    table.set(id, run);
    this.host.start(run, incoming);
  }
}
