import { Observable, type Subscribable } from 'rxjs';
import { v4 as uuidv4 } from 'uuid';
import type { MessageReceivedEvent } from '../../domain/events.js';
import { counterpartOf, parseStream } from '../../domain/identity.js';
import type { CommandBus } from '../write/command-bus.js';
import { SendMessage } from '../write/commands/message-commands.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { ProjectionRunner } from '../read/projection-runner.js';
import { SessionEngine } from '../streams/session-engine.js';
import type { IncomingMessage, SessionContext } from '../streams/types.js';

/** The device the bot's replies are recorded under. */
export const BOT_DEVICE = 'bot';

/**
 * M4.2: the account's incoming messages committed from now on, in commit order, each once (the
 * runner applies every position once). "From now on": applied after the call and recorded by the
 * ledger clock no earlier than it, so another process's older commits are not replayed; roaming
 * messages are history and are left out. Each is a copy, so handlers cannot change the ledger.
 */
export function committedIncoming(runner: ProjectionRunner, account: string, since: number): Subscribable<IncomingMessage> {
  return new Observable<IncomingMessage>((subscriber) => {
    const sub = runner.applied$.subscribe(({ events }) => {
      for (const e of events) {
        if (e.type !== 'MessageReceived') continue;
        const data = e.data as MessageReceivedEvent['data'];
        if (data.delivery === 'roaming' || (e.metadata as { at?: number }).at! < since) continue;
        if (parseStream(e.streamName)?.account !== account) continue;
        subscriber.next({ message: { ...data.message }, account });
      }
    });
    return () => sub.unsubscribe();
  });
}

/** M4.1: a reply is a message from the bot into the handler's session, timed by the ledger clock. */
export function replyThroughLedger(commands: CommandBus, clock: Clock): (ctx: SessionContext, text: string) => Promise<unknown> {
  return (ctx, text) => {
    const { message, account } = ctx;
    const to = counterpartOf(account, message);
    return commands.dispatch(new SendMessage({
      account,
      device: BOT_DEVICE,
      message: { scene: message.scene, from: account, to, idClient: uuidv4(), type: 'text', text, time: clock() },
    }));
  };
}

export function createBot({ runner, commands, clock, account, bufferSize, logger }: {
  runner: ProjectionRunner; commands: CommandBus; clock: Clock; account: string; bufferSize?: number; logger?: Logger;
}): SessionEngine {
  return new SessionEngine({
    ...(logger && { logger }),
    source$: committedIncoming(runner, account, clock()),
    reply: replyThroughLedger(commands, clock),
    ...(bufferSize !== undefined && { bufferSize }),
  });
}
