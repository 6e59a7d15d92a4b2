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

/** Ion.js's single + concurrent session managers for one identifier generator. */
export class SessionManager implements Releaser {
  /**
   * normal and override handlers in registration order: the last matching wins (M2.2). The lists
   * are replaced, never changed, so a route holds a snapshot while triggers run.
   */
  private singles: readonly Registration[] = [];
  private overrides: readonly Registration[] = [];
  private concurrents: readonly Registration[] = [];
  /** the running normal handler per id (M2.1) */
  private readonly running = new Map<string, HandlerStream>();
  private readonly ids: InOrder<IncomingMessage, string | undefined>;
  private readonly routing: KeyedSerialQueue<string, IncomingMessage>;
  /** changes with every register and forget, so a route can tell that its lists stayed the same */
  private version = 0;

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
    this.update(registration.kind, (list) => [...list, registration]);
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
    this.update(registration.kind, (list) => list.filter((r) => r !== registration));
  }

  /** Replaces the lists a registration of `kind` is in (overrides are singles too). */
  private update(kind: HandlerKind, change: (list: readonly Registration[]) => readonly Registration[]): void {
    this.version++;
    if (kind === 'concurrent') {
      this.concurrents = change(this.concurrents);
      return;
    }
    this.singles = change(this.singles);
    if (kind === 'override') this.overrides = change(this.overrides);
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
    const singles = running ? this.overrides : this.singles;
    if (this.hasConcurrentToJudge(id, NO_VERDICTS)) return this.routeJudged(incoming, id, new Map());
    if (singles.length === 0) return this.act(incoming, id, running, undefined, NO_VERDICTS);
    return this.routeSingles(incoming, id, running, singles);
  }

  /**
   * Only normal or override triggers to judge (`singles`, a snapshot): they are judged in order with
   * no allocation while they answer synchronously and change nothing. An async verdict, or a trigger
   * that changed the registrations or the running handler, hands what was judged to the general path.
   */
  private routeSingles(incoming: IncomingMessage, id: string, running: HandlerStream | undefined, singles: readonly Registration[]): MaybePromise<void> {
    const version = this.version;
    let passed: Registration[] | undefined;
    for (let i = 0; i < singles.length; i++) {
      const registration = singles[i]!;
      let verdict: MaybePromise<boolean>;
      try {
        verdict = registration.trigger(incoming);
      } catch (error) {
        this.host.report(error);
        continue;
      }
      if (isPromiseLike(verdict)) {
        // as judge() does: the triggers after it are asked at once, and all verdicts awaited together
        const verdicts = new Map<Registration, boolean>();
        for (let j = 0; j < i; j++) verdicts.set(singles[j]!, passed?.includes(singles[j]!) === true);
        const first = this.verdictOf(registration, verdict, verdicts);
        const rest = this.judge(singles.slice(i + 1), incoming, verdicts);
        return this.routeJudged(incoming, id, verdicts, rest ? Promise.all([first, rest]).then(() => undefined) : first);
      }
      if (verdict) (passed ??= []).push(registration);
    }
    if (this.version === version && this.running.get(id) === running && !this.hasConcurrentToJudge(id, NO_VERDICTS)) {
      if (this.host.closed) return;
      return this.act(incoming, id, running, passed?.[passed.length - 1], NO_VERDICTS);
    }
    const verdicts = new Map<Registration, boolean>();
    for (const registration of singles) verdicts.set(registration, passed?.includes(registration) === true);
    return this.routeJudged(incoming, id, verdicts);
  }

  /** The general path: judges until nothing is left to judge, waiting on async verdicts, then acts. */
  private routeJudged(incoming: IncomingMessage, id: string, verdicts: Map<Registration, boolean>, waiting?: PromiseLike<void>): MaybePromise<void> {
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
        if (unjudged.length === 0) return this.act(incoming, id, running, lastPassing(singles, verdicts), verdicts);
        const judging = this.judge(unjudged, incoming, verdicts);
        if (judging) return judging.then(step);
      }
    };
    return waiting ? waiting.then(step) : step();
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
      if (!isPromiseLike(verdict)) verdicts.set(registration, Boolean(verdict));
      else (waits ??= []).push(this.verdictOf(registration, verdict, verdicts));
    }
    return waits && Promise.all(waits).then(() => undefined);
  }

  /** Records an async verdict when it comes; a rejected trigger is reported and counts as false. */
  private verdictOf(registration: Registration, verdict: PromiseLike<boolean>, verdicts: Map<Registration, boolean>): PromiseLike<void> {
    return verdict.then(
      (passed) => void verdicts.set(registration, Boolean(passed)),
      (error: unknown) => {
        this.host.report(error);
        verdicts.set(registration, false);
      },
    );
  }

  private act(
    incoming: IncomingMessage,
    id: string,
    running: HandlerStream | undefined,
    winner: Registration | undefined,
    verdicts: Verdicts,
  ): void {
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

/** M2.2: the last registered of `singles` whose trigger passed. */
function lastPassing(singles: readonly Registration[], verdicts: Verdicts): Registration | undefined {
  for (let i = singles.length - 1; i >= 0; i--) if (verdicts.get(singles[i]!)) return singles[i];
  return undefined;
}
