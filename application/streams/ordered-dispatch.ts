import { isPromiseLike, type MaybePromise } from './promise-like.js';

/**
 * One task at a time per key, in submission order (M9.4); keys never wait on each other. A task that
 * finishes synchronously costs no allocation: a key holds a queue only while its task waits on a
 * promise, or while a task re-entrantly submits work for its own key (which then waits behind it).
 */
export class KeyedSerialQueue<K, I> {
  private readonly queues = new Map<K, I[]>();
  /** keys whose task runs synchronously right now (innermost last) */
  private readonly running: K[] = [];
  private tasks = 0;

  constructor(
    private readonly task: (key: K, input: I) => MaybePromise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly onIdle: () => void,
  ) {}

  /** keys with work queued or running */
  get size(): number {
    return this.queues.size + this.running.length;
  }

  /** tasks queued or running, over all keys */
  get pending(): number {
    return this.tasks;
  }

  run(key: K, input: I): void {
    this.tasks++;
    const queue = this.queues.get(key);
    if (queue) {
      queue.push(input);
    } else if (this.running.includes(key)) {
      this.queues.set(key, [input]); // re-entrant: runs after the task of this key now running
    } else {
      this.runNow(key, input);
    }
  }

  /** Drops queued work; a task already running finishes on its own. */
  clear(): void {
    for (const queue of this.queues.values()) {
      this.tasks -= queue.length;
      queue.length = 0;
    }
    this.queues.clear();
  }

  private runNow(key: K, input: I): void {
    this.running.push(key);
    let outcome: MaybePromise<void>;
    try {
      outcome = this.task(key, input);
    } catch (error) {
      outcome = undefined;
      this.onError(error);
    } finally {
      this.running.pop();
    }
    let queue = this.queues.get(key);
    if (isPromiseLike(outcome)) {
      if (!queue) this.queues.set(key, (queue = []));
      return this.await(key, queue, outcome);
    }
    this.tasks--;
    if (queue) return this.drain(key, queue);
    if (this.size === 0) this.onIdle();
  }

  private await(key: K, queue: I[], outcome: PromiseLike<void>): void {
    outcome.then(
      () => {
        this.tasks--;
        this.drain(key, queue);
      },
      (error: unknown) => {
        this.tasks--;
        this.onError(error);
        this.drain(key, queue);
      },
    );
  }

  private drain(key: K, queue: I[]): void {
    while (queue.length > 0) {
      const input = queue.shift() as I;
      let outcome: MaybePromise<void>;
      try {
        outcome = this.task(key, input);
      } catch (error) {
        this.tasks--;
        this.onError(error);
        continue;
      }
      if (isPromiseLike(outcome)) return this.await(key, queue, outcome);
      this.tasks--;
    }
    // the entry stays while tasks run, so a re-entrant run() queues behind instead of overtaking
    if (this.queues.get(key) === queue) this.queues.delete(key);
    if (this.size === 0) this.onIdle();
  }
}
interface Entry<I, R> {
  readonly input: I;
  settled: boolean;
  failed: boolean;
  result: R | undefined;
}

/** Hands on sync-or-async results in the order of their inputs; no waiting when nothing is pending. */
export class InOrder<I, R> {
  private readonly pending: Entry<I, R>[] = [];

  constructor(
    private readonly deliver: (input: I, result: R) => void,
    private readonly onError: (error: unknown) => void,
    private readonly onIdle: () => void,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  push(input: I, result: MaybePromise<R>): void {
    if (!isPromiseLike(result)) {
      if (this.pending.length === 0) return this.deliver(input, result);
      this.pending.push({ input, settled: true, failed: false, result });
      return;
    }
    const entry: Entry<I, R> = { input, settled: false, failed: false, result: undefined };
    this.pending.push(entry);
    result.then(
      (value) => {
        entry.result = value;
        entry.settled = true;
        this.flush();
      },
      (error: unknown) => {
        entry.failed = true;
        entry.settled = true;
        this.onError(error);
        this.flush();
      },
    );
  }

  clear(): void {
    this.pending.length = 0;
  }

  private flush(): void {
    while (this.pending.length > 0 && this.pending[0]!.settled) {
      const entry = this.pending.shift() as Entry<I, R>;
      if (!entry.failed) this.deliver(entry.input, entry.result as R);
    }
    if (this.pending.length === 0) this.onIdle();
  }
}
