import { SessionRef } from '../../../domain/session-ref.js';
import { SendMsgReceipt } from '../commands/receipt-commands.js';
import { defineCommand } from '../command-definition.js';

/** S5.1: recorded on the sender's session with the reader; resolves whether it changed anything. */
export const sendMsgReceipt = defineCommand([SendMsgReceipt], async (c, ctx, meta): Promise<boolean> => {
  await ctx.ensureDevice(meta);
  const ref = SessionRef.of(c.msg.from, 'p2p', c.account);
  const { position } = await ctx.session(ref, { type: 'RecordReceipt', reader: c.account, msgReceiptTime: c.msg.time }, meta);
  return position !== undefined;
});
