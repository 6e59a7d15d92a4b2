import { sessionOfMessage } from '../../../domain/identity.js';
import type { Session } from '../../../projections/read-model.js';
import type { CommandMeta } from '../command-meta.js';
import type { SendMessage } from '../commands/message-commands.js';
import { plainMessage } from '../commands/message-input.js';
import type { HandlerContext } from '../handler-context.js';

export async function sendMessage(c: SendMessage, ctx: HandlerContext, meta: CommandMeta): Promise<Session | null> {
  await ctx.ensureDevice(meta);
  const message = plainMessage(c.message);
  const { id } = sessionOfMessage(c.account, message);
  const record = { type: 'RecordMessages', device: meta.device, messages: [{ message, delivery: 'online' }] } as const;
  // One append, to the sender's stream; the peer's copy follows from it (PeerDelivery), and the
  // command resolves once it is in the peer's list as well.
  const { position } = await ctx.session(c.account, id, record, meta);
  if (message.scene === 'p2p' && message.to !== c.account) await ctx.peerDelivered(position, c.account, message, meta);
  return ctx.read.getSession(c.account, meta.device, id);
}
