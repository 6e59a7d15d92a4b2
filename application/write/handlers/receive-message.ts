import { SessionRef } from '../../../domain/session-ref.js';
import type { Session } from '../../../projections/session-list/model.js';
import { ReceiveMessage } from '../commands/message-commands.js';
import { plainMessage } from '../commands/message-input.js';
import { defineCommand } from '../command-definition.js';

/** S2.1: an incoming (or outgoing) message recorded online on this device. */
export const receiveMessage = defineCommand([ReceiveMessage], async (c, ctx, meta): Promise<Session | null> => {
  await ctx.ensureDevice(meta);
  const message = plainMessage(c.message);
  const ref = SessionRef.fromMessage(c.account, message);
  await ctx.session(ref, { type: 'RecordMessages', device: meta.device, messages: [{ message, delivery: 'online' }] }, meta);
  return ctx.read.getSession(ref.account, meta.device, ref.id);
});
