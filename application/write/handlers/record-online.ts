import type { Message } from '../../../domain/message.js';
import { SessionRef } from '../../../domain/session-ref.js';
import type { Session } from '../../../projections/session-list/model.js';
import { plainMessage } from '../commands/message-input.js';
import type { CommandMeta } from '../command-meta.js';
import type { HandlerContext } from '../handler-context.js';

/**
 * S2.1: one message recorded online on this device, one append to its session's stream; S2.5: the
 * account's own p2p message is in the peer's list too before this resolves. Sending and receiving
 * differ only in who may be the sender, which their command classes check.
 */
export async function recordOnline(account: string, input: Message, ctx: HandlerContext, meta: CommandMeta): Promise<Session | null> {
  const registering = ctx.deviceKnown(meta);
  if (registering) await registering;
  const message = plainMessage(input);
  const ref = SessionRef.fromMessage(account, message);
  const messages = [{ message, delivery: 'online' }] as const;
  const step = await ctx.session(ref, { type: 'RecordMessages', device: meta.device, messages }, meta);
  const delivering = ctx.peersHave(step, messages, meta);
  if (delivering) await delivering;
  return ctx.read.getSession(ref.account, meta.device, ref.id);
}
