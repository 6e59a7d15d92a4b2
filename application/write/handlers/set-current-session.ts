import type { Session } from '../../../projections/session-list/model.js';
import { SetCurrentSession } from '../commands/unread-commands.js';
import { defineCommand } from '../command-definition.js';

/** S4.2, one event on the account stream; an unknown id changes nothing, not even the current session (S4.6). */
export const setCurrentSession = defineCommand([SetCurrentSession], async (c, ctx, meta): Promise<Session | null> => {
  await ctx.ensureDevice(meta);
  const session = ctx.read.getSession(c.account, meta.device, c.sessionId);
  if (!session) return null;
  // The mark is the newest message the list has; one arriving meanwhile is read once current (S4.2).
  const mark = session.lastMsg?.time ?? 0;
  await ctx.account(c.account, { type: 'SetCurrent', device: meta.device, sessionId: c.sessionId, mark }, meta);
  return ctx.read.getSession(c.account, meta.device, c.sessionId);
});
