import { SessionRef } from '../../../domain/session-ref.js';
import type { Session } from '../../../projections/session-list/model.js';
import { ReceiveMessage } from '../commands/message-commands.js';
import { plainMessage } from '../commands/message-input.js';
import { defineCommand } from '../command-definition.js';

/**
 * S2.1: an incoming (or outgoing) message recorded online on this device; S2.5: the account's own
 * p2p message reaches the peer's list too before this resolves.
 */
export const receiveMessage = defineCommand([ReceiveMessage], async (c, ctx, meta): Promise<Session | null> => {
  await ctx.ensureDevice(meta);
  const message = plainMessage(c.message);
  const ref = SessionRef.fromMessage(c.account, message);
  const messages = [{ message, delivery: 'online' }] as const;
  const { position } = await ctx.session(ref, { type: 'RecordMessages', device: meta.device, messages }, meta);
  await ctx.peersHave(position, messages, meta);
  return ctx.read.getSession(ref.account, meta.device, ref.id);
});
