import { SessionRef } from '../../../domain/session-ref.js';
import type { Session } from '../../../projections/session-list/model.js';
import { InsertLocalSession } from '../commands/list-commands.js';
import { defineCommand } from '../command-definition.js';
import { inDeviceLogin } from './device-login.js';

/** S7.1: without updateTime, later than every session of the account and than the clock. */
export const insertLocalSession = defineCommand([InsertLocalSession], async (c, ctx, meta): Promise<{ session: Session }> => {
  const ref = SessionRef.of(c.account, c.scene, c.to);
  return inDeviceLogin(ctx, meta, async ({ login }) => {
    const updateTime = c.updateTime ?? Math.max(ctx.read.maxUpdateTime(c.account), meta.at) + 1;
    await ctx.session(ref, { type: 'Insert', device: meta.device, updateTime, login }, meta);
    return { session: ctx.read.getSession(ref.account, meta.device, ref.id)! };
  }, [['insert']]);
});
