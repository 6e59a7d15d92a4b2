import { sessionIdOf } from '../../domain/identity.js';
import type { CommandMeta } from '../command-context.js';
import type { SendMsgReceipt } from '../commands/receipt-commands.js';
import { fieldError } from '../validation.js';
import type { HandlerContext } from './handler-context.js';

/** S5.1: recorded on the sender's session with the reader; resolves whether it changed anything. */
export async function sendMsgReceipt(c: SendMsgReceipt, ctx: HandlerContext, meta: CommandMeta): Promise<boolean> {
  const { msg } = c;
  if (msg.scene !== 'p2p') throw fieldError('SendMsgReceipt', 'msg.scene', msg.scene, 'isP2p', 'must be p2p: read receipts exist for p2p sessions only (S5.2)');
  if (msg.from === c.account) throw fieldError('SendMsgReceipt', 'msg.from', msg.from, 'isIncoming', `must be the peer: ${c.account} can only confirm messages it received`);
  if (msg.to !== c.account) throw fieldError('SendMsgReceipt', 'msg.to', msg.to, 'isReader', `must be ${c.account}, the account sending the receipt`);
  await ctx.ensureDevice(meta);
  const { appended } = await ctx.session(msg.from, sessionIdOf('p2p', c.account), { type: 'RecordReceipt', reader: c.account, msgReceiptTime: msg.time }, meta);
  return appended > 0;
}
