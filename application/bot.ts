import { Observable, type Subscribable } from 'rxjs';
import { v4 as uuidv4 } from 'uuid';
import type { MessageReceivedEvent } from '../domain/events.js';
import { parseStream } from '../domain/identity.js';
import type { CommandBus } from './command-bus.js';
import { SendMessage } from './commands/message-commands.js';
import type { Clock } from './ports/clock.js';
import type { ProjectionRunner } from './projection-runner.js';
import { SessionEngine } from './streams/session-engine.js';
import type { IncomingMessage, SessionContext } from './streams/types.js';

/** The device the bot's replies are recorded under. */
export const BOT_DEVICE = 'bot';

/**
 * M4.2: the account's incoming messages as they commit, from now on, in commit order; each once,
 * because the projection runner applies every position once.
 */
export function committedIncoming(runner: ProjectionRunner, account: string): Subscribable<IncomingMessage> {
  return new Observable<IncomingMessage>((subscriber) => {
    const sub = runner.applied$.subscribe(({ events }) => {
      for (const e of events) {
        if (e.type !== 'MessageReceived') continue;
        const stream = parseStream(e.streamName);
        if (stream?.account !== account) continue;
        subscriber.next({ message: (e.data as MessageReceivedEvent['data']).message, account });
      }
    });
    return () => sub.unsubscribe();
  });
}

/** M4.1: a reply is a message from the bot into the handler's session, timed by the ledger clock. */
export function replyThroughLedger(commands: CommandBus, clock: Clock): (ctx: SessionContext, text: string) => Promise<unknown> {
  return (ctx, text) => {
    const { message, account } = ctx;
    const to = message.scene === 'p2p' ? (message.from === account ? message.to : message.from) : message.to;
    return commands.dispatch(new SendMessage({
      account,
      device: BOT_DEVICE,
      message: { scene: message.scene, from: account, to, idClient: uuidv4(), type: 'text', text, time: clock() },
    }));
  };
}

export function createBot(runner: ProjectionRunner, commands: CommandBus, clock: Clock, account: string, bufferSize?: number): SessionEngine {
  return new SessionEngine({
    source$: committedIncoming(runner, account),
    reply: replyThroughLedger(commands, clock),
    ...(bufferSize !== undefined && { bufferSize }),
  });
}
