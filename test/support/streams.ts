import { Subject } from 'rxjs';
import type { Message } from '../../domain/message.js';
import { SessionEngine, type IncomingMessage } from '../../application/streams/index.js';

let seq = 0;

/** A p2p text message from alice to the bot, each with a fresh idClient and a later time. */
export function msg(over: Partial<Message> = {}): Message {
  seq++;
  return { scene: 'p2p', from: 'alice', to: 'bot', idClient: `c${seq}`, type: 'text', text: `m${seq}`, time: 1_700_000_000_000 + seq, ...over };
}

export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** An engine on a Subject, plus the contexts of the handlers it started. */
export function setup(options: { bufferSize?: number } = {}) {
  const source = new Subject<IncomingMessage>();
  const engine = new SessionEngine({ source$: source, ...options });
  const send = (message: Message) => source.next({ message, account: 'bot' });
  return { source, engine, send };
}
