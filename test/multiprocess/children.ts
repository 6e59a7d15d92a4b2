import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Notice, Request, RequestBody } from './ledger-child.js';

const SCRIPT = fileURLToPath(new URL('./ledger-child.js', import.meta.url));

/** A request that never got its answer: the child died first (a SIGKILL), so it is not acknowledged. */
export class ChildGone extends Error {
  override readonly name = 'ChildGone';
}

/** One ledger OS process (ledger-child.ts), driven over IPC; no timers anywhere. */
export class Child {
  readonly process: ChildProcess;
  readonly ready: Promise<void>;
  /** resolves when the child says it holds the peer-delivery lease */
  readonly lease: Promise<void>;
  /** resolves when the child says it holds the read-model projector's lease (EventStoreDB) */
  readonly projector: Promise<void>;
  readonly exited: Promise<void>;
  /** messages a watching view heard of, with the child's clock */
  onHeard: (idClient: string, at: number) => void = () => undefined;
  private next = 0;
  private gone = false;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  /** `deployment`: the store, and the read models' database for an EventStoreDB store */
  constructor(readonly name: string, deployment: { readonly store: string; readonly readModels?: string | undefined }) {
    this.process = fork(SCRIPT, [name, deployment.store, ...(deployment.readModels ? [deployment.readModels] : [])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let ready!: () => void;
    let lease!: () => void;
    let projector!: () => void;
    this.ready = new Promise((resolve) => (ready = resolve));
    this.lease = new Promise((resolve) => (lease = resolve));
    this.projector = new Promise((resolve) => (projector = resolve));
    this.process.on('message', (notice: Notice) => {
      if (notice.kind === 'ready') ready();
      else if (notice.kind === 'lease') lease();
      else if (notice.kind === 'projector') projector();
      else if (notice.kind === 'heard') this.onHeard(notice.idClient, notice.at);
      else {
        const waiting = this.pending.get(notice.id);
        this.pending.delete(notice.id);
        if (notice.ok) waiting?.resolve({ value: notice.value, at: notice.at });
        else waiting?.reject(new Error(notice.error));
      }
    });
    this.exited = new Promise((resolve) => this.process.once('exit', () => {
      this.gone = true;
      for (const waiting of this.pending.values()) waiting.reject(new ChildGone(`${name} exited`));
      this.pending.clear();
      resolve();
    }));
    const failed = this.exited.then(() => Promise.reject(new ChildGone(`${name} exited before it was ready`)));
    failed.catch(() => undefined);
    this.ready = Promise.race([this.ready, failed]);
  }

  /** Runs one request in the child: its answer, and when the child had it (its clock); rejects with ChildGone if it dies first. */
  request<T = unknown>(body: RequestBody): Promise<{ value: T; at: number }> {
    if (this.gone || !this.process.connected) return Promise.reject(new ChildGone(`${this.name} is gone`));
    const id = ++this.next;
    return new Promise<{ value: T; at: number }>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.process.send({ ...body, id } as Request, (error) => {
        if (!error) return;
        this.pending.delete(id);
        reject(new ChildGone(`${this.name} is gone (${error.message})`));
      });
    });
  }

  get alive(): boolean {
    return !this.gone;
  }

  /** SIGKILL, then waits for the exit. */
  async kill(): Promise<void> {
    this.process.kill('SIGKILL');
    await this.exited;
  }

  /** Closes the ledger, then waits for the exit. */
  async close(): Promise<void> {
    await this.request({ op: 'close' }).catch(() => undefined);
    await this.exited;
  }
}
