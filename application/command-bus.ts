import { v4 as uuidv4 } from 'uuid';
import type { CommandMeta, DispatchOptions } from './command-context.js';
import * as C from './commands/index.js';
import { deviceOf } from './commands/device-fields.js';
import { LedgerClosedError, ValidationError } from './errors.js';
import type { HandlerContext } from './handlers/handler-context.js';
import { deleteLocalSession } from './handlers/delete-local-session.js';
import { deleteSessions } from './handlers/delete-sessions.js';
import { insertLocalSession } from './handlers/insert-local-session.js';
import { receiveMessage } from './handlers/receive-message.js';
import { registerDevice } from './handlers/register-device.js';
import { resetAllSessionUnread } from './handlers/reset-all-session-unread.js';
import { resetCurrentSession } from './handlers/reset-current-session.js';
import { resetSessionUnread } from './handlers/reset-session-unread.js';
import { sendMessage } from './handlers/send-message.js';
import { sendMsgReceipt } from './handlers/send-msg-receipt.js';
import { setCurrentSession } from './handlers/set-current-session.js';
import { syncMessages } from './handlers/sync-messages.js';
import { updateLocalSession } from './handlers/update-local-session.js';
import { assertValid, checkDispatchOptions, fieldProblem } from './validation.js';

type Handler<T> = (command: T, ctx: HandlerContext, meta: CommandMeta) => Promise<unknown>;

/** What each command class resolves to. */
export interface CommandResults {
  ReceiveMessage: Awaited<ReturnType<typeof receiveMessage>>;
  SendMessage: Awaited<ReturnType<typeof sendMessage>>;
  SyncMessages: Awaited<ReturnType<typeof syncMessages>>;
  SetCurrentSession: Awaited<ReturnType<typeof setCurrentSession>>;
  ResetSessionUnread: Awaited<ReturnType<typeof resetSessionUnread>>;
  ResetAllSessionUnread: Awaited<ReturnType<typeof resetAllSessionUnread>>;
  ResetCurrentSession: void;
  InsertLocalSession: Awaited<ReturnType<typeof insertLocalSession>>;
  UpdateLocalSession: Awaited<ReturnType<typeof updateLocalSession>>;
  DeleteLocalSession: void;
  DeleteSession: void;
  DeleteSessions: void;
  SendMsgReceipt: boolean;
  RegisterDevice: void;
}

type ResultOf<T> =
  T extends C.ReceiveMessage ? CommandResults['ReceiveMessage'] :
  T extends C.SendMessage ? CommandResults['SendMessage'] :
  T extends C.SyncMessages ? CommandResults['SyncMessages'] :
  T extends C.InsertLocalSession ? CommandResults['InsertLocalSession'] :
  T extends C.UpdateLocalSession ? CommandResults['UpdateLocalSession'] :
  T extends C.SetCurrentSession | C.ResetSessionUnread ? CommandResults['SetCurrentSession'] :
  T extends C.ResetAllSessionUnread ? string[] :
  T extends C.SendMsgReceipt ? boolean :
  unknown;

export type AnyCommand =
  | C.ReceiveMessage | C.SendMessage | C.SyncMessages | C.SetCurrentSession | C.ResetSessionUnread
  | C.ResetAllSessionUnread | C.ResetCurrentSession | C.InsertLocalSession | C.UpdateLocalSession
  | C.DeleteLocalSession | C.DeleteSession | C.DeleteSessions | C.SendMsgReceipt | C.RegisterDevice;

const handlers = new Map<Function, Handler<any>>([
  [C.ReceiveMessage, receiveMessage],
  [C.SendMessage, sendMessage],
  [C.SyncMessages, syncMessages],
  [C.SetCurrentSession, setCurrentSession],
  [C.ResetSessionUnread, resetSessionUnread],
  [C.ResetAllSessionUnread, resetAllSessionUnread],
  [C.ResetCurrentSession, resetCurrentSession],
  [C.InsertLocalSession, insertLocalSession],
  [C.UpdateLocalSession, updateLocalSession],
  [C.DeleteLocalSession, deleteLocalSession],
  [C.DeleteSession, deleteSessions],
  [C.DeleteSessions, deleteSessions],
  [C.SendMsgReceipt, sendMsgReceipt],
  [C.RegisterDevice, registerDevice],
]);

/** Validates (S10.1), stamps metadata from the ledger clock, runs the handler. */
export class CommandBus {
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly ctx: HandlerContext) {}

  async dispatch<T extends AnyCommand>(command: T, dispatchOptions?: DispatchOptions): Promise<ResultOf<T>> {
    if (this.closed) throw new LedgerClosedError();
    // S10.1: the class is the prototype's, never an own `constructor` key of the instance.
    const type: unknown = typeof command === 'object' && command !== null && !Object.hasOwn(command, 'constructor') ? Object.getPrototypeOf(command)?.constructor : undefined;
    const handler = handlers.get(type as Function);
    if (!handler) throw new ValidationError('dispatch', [fieldProblem('command', command, 'isCommand', 'must be a command instance such as new ReceiveMessage({...})')]);
    const options = checkDispatchOptions(dispatchOptions);
    assertValid(command);
    const commandId = options.commandId ?? uuidv4();
    const meta: CommandMeta = {
      commandId,
      commandType: (type as Function).name,
      correlationId: options.correlationId ?? commandId,
      causationId: options.causationId ?? commandId,
      account: command.account,
      device: deviceOf(command),
      at: this.ctx.clock(),
    };
    const running = handler(command, this.ctx, meta);
    this.inFlight.add(running);
    try {
      return (await running) as ResultOf<T>;
    } finally {
      this.inFlight.delete(running);
    }
  }

  /** Refuses new commands; resolves when the ones under way have settled. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
