import type { IncomingMessage, IdOf, Unregister } from './types.js';
import { HandlerStream, type HandlerKind, type Registration, type Releaser } from './handler-stream.js';
import { InOrder, KeyedSerialQueue } from './ordered-dispatch.js';
import { isPromiseLike, type MaybePromise } from './promise-like.js';

export type { HandlerKind, Registration } from './handler-stream.js';

/** What a manager needs from its engine. */
export interface RunHost {
  readonly closed: boolean;
  /** calls the handler; its return or throw frees the stream (M2.6) */
  start(run: HandlerStream, incoming: IncomingMessage): void;
  report(error: unknown): void;
  /** the manager has no message left in flight */
  idle(): void;
}

type Verdicts = ReadonlyMap<Registration, boolean>;
const NO_VERDICTS: Verdicts = new Map();
const NONE: readonly Registration[] = [];

/** Ion.js's single + concurrent session managers for one identifier generator. */
export class SessionManager implements Releaser {
  /** normal and override handlers in registration order: the last matching wins (M2.2) */
  private readonly singles: Registration[] = [];
  private readonly overrides: Registration[] = [];
  private readonly concurrents: Registration[] = [];
  /** the running normal handler per id (M2.1) */
  private readonly running = new Map<string, HandlerStream>();
  private readonly ids: InOrder<IncomingMessage, string | undefined>;
  private readonly routing: KeyedSerialQueue<string, IncomingMessage>;

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
    this.routing = new KeyedSerialQueue((id, incoming) => this.route(incoming, id), report, idle);
  }

  get busy(): boolean {
    return this.ids.size > 0 || this.routing.size > 0;
  }

  /** messages waiting for their id or for their turn in their id's queue */
  get inFlight(): number {
    return this.ids.size + this.routing.pending;
  }

  /** Every open stream of this manager's handlers. */
  streams(): HandlerStream[] {
    const streams = [...this.running.values()];
    for (const registration of this.concurrents) streams.push(...registration.instances.values());
    return streams;
  }

  /** Registers with this manager; the registration's `owner` must be this manager. */
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

  /**
   * Names the message (ids of one generator keep the source order, even when async) and routes it.
   * A manager no handler uses (none registered, none running, nothing in flight) does no work at all.
   */
  accept(incoming: IncomingMessage): void {
    if (this.singles.length === 0 && this.concurrents.length === 0 && this.running.size === 0 && !this.busy) return;
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

  /** A handler's stream closed (M9.3: a replaced one releases the id only while it still holds it). */
  release(run: HandlerStream): void {
    const { registration } = run;
    const table = registration.kind === 'concurrent' ? registration.instances : this.running;
    if (table.get(run.id) === run) table.delete(run.id);
    if (registration.retired && registration.instances.size === 0) this.forget(registration);
  }

  private forget(registration: Registration): void {
    for (const list of this.listsOf(registration.kind)) {
      const index = list.indexOf(registration);
      if (index >= 0) list.splice(index, 1);
    }
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
    // per-id order: an async trigger check finishes before the next message of the id is looked at
    this.routing.run(String(id), incoming);
  }

  /**
   * Judges the triggers that can matter for this message, then acts in one synchronous step on the
   * state as it is then (a stream freed while a trigger was judged is seen, and judged for). With no
   * trigger to judge (a running handler's id, no override or concurrent one waiting), it only delivers.
   */
  private route(incoming: IncomingMessage, id: string): MaybePromise<void> {
    if (this.host.closed) return;
    const running = this.running.get(id);
    if ((running ? this.overrides : this.singles).length === 0 && !this.hasConcurrentToJudge(id, NO_VERDICTS)) {
      return this.act(incoming, id, running, NONE, NO_VERDICTS);
    }
    const verdicts = new Map<Registration, boolean>();
    const step = (): MaybePromise<void> => {
      for (;;) {
        if (this.host.closed) return;
        const running = this.running.get(id);
        const singles = running ? this.overrides : this.singles;
        const unjudged: Registration[] = [];
        for (const registration of singles) if (!verdicts.has(registration)) unjudged.push(registration);
        for (const registration of this.concurrents) {
          if (this.toJudge(registration, id, verdicts)) unjudged.push(registration);
        }
        if (unjudged.length === 0) return this.act(incoming, id, running, singles, verdicts);
        const judging = this.judge(unjudged, incoming, verdicts);
        if (judging) return judging.then(step);
      }
    };
    return step();
  }

  private toJudge(registration: Registration, id: string, verdicts: Verdicts): boolean {
    return !registration.retired && !registration.instances.has(id) && !verdicts.has(registration);
  }

  private hasConcurrentToJudge(id: string, verdicts: Verdicts): boolean {
    for (const registration of this.concurrents) if (this.toJudge(registration, id, verdicts)) return true;
    return false;
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
    running: HandlerStream | undefined,
    singles: readonly Registration[],
    verdicts: Verdicts,
  ): void {
    let winner: Registration | undefined;
    for (let i = singles.length - 1; i >= 0 && !winner; i--) {
      if (verdicts.get(singles[i]!)) winner = singles[i];
    }
    if (winner) {
      // M2.4: only an override can win while a normal handler runs; it takes the id over
      running?.close('override');
      this.launch(winner, incoming, this.running, id);
    } else {
      running?.push(incoming.message); // M2.1
    }
    for (const registration of this.concurrents) {
      const instance = registration.instances.get(id);
      if (instance) instance.push(incoming.message);
      else if (verdicts.get(registration) && !registration.retired) {
        this.launch(registration, incoming, registration.instances, id);
      }
    }
  }

  private launch(registration: Registration, incoming: IncomingMessage, table: Map<string, HandlerStream>, id: string): void {
    if (this.host.closed) return; // a handler may close the engine while a message is being acted on
    // a flat id: reading a character flattens the concatenation the id was built as, and the GC
    // then drops its pieces (about 75 bytes less per running handler for a default id)
    id.charCodeAt(0);
    const run = new HandlerStream(registration, id);
    table.set(id, run);
    this.host.start(run, incoming);
  }
}
