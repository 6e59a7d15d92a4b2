/**
 * A ledger OS process for the multi-process test: `fork(ledger-child.js, [name, store, readModels?])`.
 * It opens a ledger on the store (PostgreSQL, or EventStoreDB with read models in PostgreSQL) and runs what the parent sends over IPC through the public
 * Ledger API, answering each request with { id, ok, value | error }. It says `ready` once open,
 * `lease` when it holds the peer-delivery lease (its reactor caught up), and `projector` when it
 * holds the read-model projector's lease (EventStoreDB; the projector says so). `watch` opens a
 * device view whose `updates$` reports each message it hears of, with this process's clock.
 */
import { performance } from 'node:perf_hooks';
import { peerDeliveryOf, type Ledger } from '../../application/api/ledger.js';
import type { Message } from '../../domain/message.js';
import { createLedger } from '../../infrastructure/create-ledger.js';

export type Request =
  | { id: number; op: 'receive' | 'send'; account: string; device: string; message: Message }
  | { id: number; op: 'sync'; account: string; device: string; roaming: Message[]; offline: Message[] }
  | { id: number; op: 'reset' | 'delete' | 'read'; account: string; device: string; sessionId: string }
  | { id: number; op: 'watch'; account: string; device: string }
  | { id: number; op: 'status' }
  | { id: number; op: 'close' };

/** a request without its id (the parent numbers them) */
export type RequestBody = Request extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

export type Notice =
  | { kind: 'ready'; pid: number }
  | { kind: 'lease'; pid: number }
  | { kind: 'projector'; pid: number }
  | { kind: 'heard'; idClient: string; at: number }
  | { kind: 'reply'; id: number; ok: true; value: unknown; at: number }
  | { kind: 'reply'; id: number; ok: false; error: string };

const [name, store, readModels] = process.argv.slice(2);
/** what the projector tells the logger when its process takes the lease (application/read/projector.ts) */
const PROJECTING = 'this process projects the read models now';
const tell = (notice: Notice) => process.send!(notice);

async function run(ledger: Ledger, request: Request): Promise<unknown> {
  if (request.op === 'status') return { held: peerDeliveryOf(ledger).lease?.held ?? false, projecting: ledger.projecting, name, pid: process.pid };
  if (request.op === 'close') return ledger.close();
  const view = ledger.account(request.account, { device: request.device });
  switch (request.op) {
    case 'receive': return view.receiveMessage(request.message);
    case 'send': return view.sendMessage(request.message);
    case 'sync': return view.syncMessages({ roaming: request.roaming, offline: request.offline });
    case 'reset': return view.resetSessionUnread(request.sessionId);
    case 'delete': return view.deleteLocalSession({ id: request.sessionId });
    case 'read': return view.getLocalSession({ sessionId: request.sessionId });
    case 'watch':
      view.updates$.subscribe((session) => {
        if (session.lastMsg) tell({ kind: 'heard', idClient: session.lastMsg.idClient, at: performance.timeOrigin + performance.now() });
      });
      return view.ready;
  }
}

async function main(): Promise<void> {
  // what the ledger cannot throw to a caller goes to stderr, which the test shows
  const say = (level: string) => (message: string, fields?: unknown) => process.stderr.write(`ledger child ${name} ${level}: ${message} ${JSON.stringify(fields ?? {})}\n`);
  const info = (message: string) => void (message.startsWith(PROJECTING) && tell({ kind: 'projector', pid: process.pid }));
  const logger = { debug: () => undefined, info, warn: say('warn'), error: say('error') };
  const ledger = await createLedger({ store: store!, ...(readModels && { readModels }), logger });
  void peerDeliveryOf(ledger).lease?.caughtUp.then(() => tell({ kind: 'lease', pid: process.pid }));
  process.on('message', (request: Request) => {
    run(ledger, request).then(
      (value) => {
        tell({ kind: 'reply', id: request.id, ok: true, value: value ?? null, at: performance.timeOrigin + performance.now() });
        if (request.op === 'close') process.disconnect();
      },
      (error: unknown) => tell({ kind: 'reply', id: request.id, ok: false, error: String(error) }),
    );
  });
  tell({ kind: 'ready', pid: process.pid });
}

main().catch((error: unknown) => {
  process.stderr.write(`ledger child ${name}: ${String(error)}\n`);
  process.exit(1);
});
