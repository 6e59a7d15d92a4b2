import { sessionOfMessage } from '../../../domain/identity.js';
import type { Session } from '../../../projections/read-model.js';
import type { CommandMeta } from '../command-meta.js';
import type { ReceiveMessage } from '../commands/message-commands.js';
import { plainMessage } from '../commands/message-input.js';
import type { HandlerContext } from '../handler-context.js';

export async function receiveMessage(c: ReceiveMessage, ctx: HandlerContext, meta: CommandMeta): Promise<Session | null> {
  await ctx.ensureDevice(meta);
  const message = plainMessage(c.message);
  const { id } = sessionOfMessage(c.account, message);
  await ctx.session(c.account, id, { type: 'RecordMessages', device: meta.device, messages: [{ message, delivery: 'online' }] }, meta);
  return ctx.read.getSession(c.account, meta.device, id);
}
