import { SessionRef } from '../../../domain/session-ref.js';
import type { Session } from '../../../projections/session-list/model.js';
import { UpdateLocalSession } from '../commands/list-commands.js';
import { defineCommand } from '../command-definition.js';
import { inDeviceLogin } from './device-login.js';

/** S7.2: null for a session that is not in this view's list. */
export const updateLocalSession = defineCommand([UpdateLocalSession], async (c, ctx, meta): Promise<Session | null> => {
  const ref = SessionRef.fromId(c.account, c.id);
  if (!ref) return null;
  return inDeviceLogin(ctx, meta, async ({ login }) => {
    await ctx.session(ref, { type: 'UpdateLocalCustom', device: meta.device, localCustom: c.localCustom, login }, meta);
    return ctx.read.getSession(ref.account, meta.device, ref.id);
  });
});
