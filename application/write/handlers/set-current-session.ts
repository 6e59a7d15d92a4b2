import type { Session } from '../../../projections/session-list/model.js';
import { SetCurrentSession } from '../commands/unread-commands.js';
import { defineCommand } from '../command-definition.js';

/** S4.2, one event on the account stream; an unknown id changes nothing, not even the current session (S4.6). */
export const setCurrentSession = defineCommand([SetCurrentSession], async (c, ctx, meta): Promise<Session | null> => {
  await ctx.ensureDevice(meta);
  if (!ctx.read.getSession(c.account, meta.device, c.sessionId)) return null;
  await ctx.account(c.account, { type: 'SetCurrent', device: meta.device, sessionId: c.sessionId }, meta);
  return ctx.read.getSession(c.account, meta.device, c.sessionId);
});
