import { SessionRef } from '../../../domain/session-ref.js';
import type { Session } from '../../../projections/session-list/model.js';
import { ResetSessionUnread } from '../commands/unread-commands.js';
import { defineCommand } from '../command-definition.js';
import { deviceNow } from './device-login.js';

/** S4.3; an unknown id resolves null and emits nothing (S4.6). */
export const resetSessionUnread = defineCommand([ResetSessionUnread], async (c, ctx, meta): Promise<Session | null> => {
  const { scope, login } = await deviceNow(ctx, meta);
  const ref = SessionRef.fromId(c.account, c.sessionId);
  if (!ref) return null;
  await ctx.session(ref, { type: 'ResetUnread', device: meta.device, scope, login }, meta);
  return ctx.read.getSession(ref.account, meta.device, ref.id);
});
