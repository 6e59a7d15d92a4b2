import type { CommandMeta, DispatchOptions } from './command-meta.js';
import type { CommandDefinition } from './command-definition.js';
import { newCommandId } from './ids.js';
import { deviceOf } from './commands/device-fields.js';
import { LedgerClosedError, ValidationError } from '../errors.js';
import type { HandlerContext } from './handler-context.js';
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
import { assertValid, checkDispatchOptions, fieldProblem } from '../validation.js';
import { commandFingerprint } from './command-fingerprint.js';

/** Every command, registered once: the bus's command and result types are read off this list. */
const DEFINITIONS = [
  receiveMessage, sendMessage, syncMessages, setCurrentSession, resetSessionUnread, resetAllSessionUnread, resetCurrentSession,
  insertLocalSession, updateLocalSession, deleteLocalSession, deleteSessions, sendMsgReceipt, registerDevice,
] as const;

type Definition = (typeof DEFINITIONS)[number];
type CommandOf<D> = D extends CommandDefinition<infer C, unknown> ? C : never;

export type AnyCommand = CommandOf<Definition>;

/** What dispatching `T` resolves to. */
export type CommandResult<T> = Definition extends infer D ? (D extends CommandDefinition<infer C, infer R> ? (T extends C ? R : never) : never) : never;

const handlers = new Map<Function, CommandDefinition<any, unknown>['handle']>(
  DEFINITIONS.flatMap((d) => d.commands.map((command) => [command, d.handle as CommandDefinition<any, unknown>['handle']] as const)),
);

/** Validates (S10.1), stamps metadata from the ledger clock, runs the command's handler. */
export class CommandBus {
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly ctx: HandlerContext) {}

  async dispatch<T extends AnyCommand>(command: T, dispatchOptions?: DispatchOptions): Promise<CommandResult<T>> {
    if (this.closed) throw new LedgerClosedError();
    // S10.1: the class is the prototype's, never an own `constructor` key of the instance.
    const type: unknown = typeof command === 'object' && command !== null && !Object.hasOwn(command, 'constructor') ? Object.getPrototypeOf(command)?.constructor : undefined;
    const handle = handlers.get(type as Function);
    if (!handle) throw new ValidationError('dispatch', [fieldProblem('command', command, 'isCommand', 'must be a command instance such as new ReceiveMessage({...})')]);
    const options = checkDispatchOptions(dispatchOptions);
    assertValid(command);
    const commandId = options.commandId ?? newCommandId();
    const meta: CommandMeta = {
      commandId,
      commandType: (type as Function).name,
      correlationId: options.correlationId ?? commandId,
      causationId: options.causationId ?? commandId,
      account: command.account,
      device: deviceOf(command),
      at: this.ctx.clock(),
      // only a caller-given id can be reused: a generated one costs no digest
      ...(options.commandId !== undefined && { commandBody: commandFingerprint(command) }),
    };
    const loading = this.ctx.use(meta.account);
    const running = loading
      ? loading.then(async (release) => {
        try {
          return await handle(command, this.ctx, meta);
        } finally {
          release();
        }
      })
      : handle(command, this.ctx, meta);
    this.inFlight.add(running);
    try {
      return (await running) as CommandResult<T>;
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
