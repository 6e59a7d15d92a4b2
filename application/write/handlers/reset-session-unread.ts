import { SessionRef } from '../../../domain/session-ref.js';
import type { Session } from '../../../projections/session-list/model.js';
import { ResetSessionUnread } from '../commands/unread-commands.js';
import { defineCommand } from '../command-definition.js';
import { inDeviceLogin } from './device-login.js';

/** S4.3; an unknown id resolves null and emits nothing (S4.6). */
export const resetSessionUnread = defineCommand([ResetSessionUnread], async (c, ctx, meta): Promise<Session | null> => {
  const ref = SessionRef.fromId(c.account, c.sessionId);
  if (!ref) return null;
  return inDeviceLogin(ctx, meta, async ({ scope, login }) => {
    await ctx.session(ref, { type: 'ResetUnread', device: meta.device, scope, login }, meta);
    return ctx.read.getSession(ref.account, meta.device, ref.id);
  });
});
