import { isPromiseLike, type MaybePromise } from './promise-like.js';

type Task = () => MaybePromise<void>;

/**
 * One task at a time per key, in submission order (M9.4); keys never wait on each other. A task
 * that finishes synchronously costs no microtask hop.
 */
export class KeyedSerialQueue<K> {
  private readonly queues = new Map<K, Task[]>();
  private tasks = 0;

  constructor(
    private readonly onError: (error: unknown) => void,
    private readonly onIdle: () => void,
  ) {}

  /** keys with work queued or running */
  get size(): number {
    return this.queues.size;
  }

  /** tasks queued or running, over all keys */
  get pending(): number {
    return this.tasks;
  }

  run(key: K, task: Task): void {
    this.tasks++;
    const queue = this.queues.get(key);
    if (queue) {
      queue.push(task);
      return;
    }
    const fresh = [task];
    this.queues.set(key, fresh);
    this.drain(key, fresh);
  }

  /** Drops queued work; a task already running finishes on its own. */
  clear(): void {
    for (const queue of this.queues.values()) {
      this.tasks -= queue.length;
      queue.length = 0;
    }
    this.queues.clear();
  }

  private drain(key: K, queue: Task[]): void {
    while (queue.length > 0) {
      const task = queue.shift() as Task;
      let outcome: MaybePromise<void>;
      try {
        outcome = task();
      } catch (error) {
        this.tasks--;
        this.onError(error);
        continue;
      }
      if (isPromiseLike(outcome)) {
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
        return;
      }
      this.tasks--;
    }
    // the entry stays while tasks run, so a re-entrant run() queues behind instead of overtaking
    if (this.queues.get(key) === queue) this.queues.delete(key);
    if (this.queues.size === 0) this.onIdle();
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
