import { sessionIdOf } from '../../../domain/identity.js';
import type { CommandMeta } from '../command-meta.js';
import type { SendMsgReceipt } from '../commands/receipt-commands.js';
import type { HandlerContext } from '../handler-context.js';

/** S5.1: recorded on the sender's session with the reader; resolves whether it changed anything. */
export async function sendMsgReceipt(c: SendMsgReceipt, ctx: HandlerContext, meta: CommandMeta): Promise<boolean> {
  const { msg } = c;
  await ctx.ensureDevice(meta);
  const { appended } = await ctx.session(msg.from, sessionIdOf('p2p', c.account), { type: 'RecordReceipt', reader: c.account, msgReceiptTime: msg.time }, meta);
  return appended > 0;
}
