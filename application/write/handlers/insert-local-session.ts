import { sessionIdOf } from '../../../domain/identity.js';
import type { Session } from '../../../projections/read-model.js';
import type { CommandMeta } from '../command-meta.js';
import type { InsertLocalSession } from '../commands/list-commands.js';
import type { HandlerContext } from '../handler-context.js';

/** S7.1: without updateTime, later than every session of the account and than the clock. */
export async function insertLocalSession(c: InsertLocalSession, ctx: HandlerContext, meta: CommandMeta): Promise<{ session: Session }> {
  await ctx.ensureDevice(meta);
  const id = sessionIdOf(c.scene, c.to);
  return ctx.exclusive(['insert', c.account], async () => {
    const updateTime = c.updateTime ?? Math.max(ctx.read.maxUpdateTime(c.account), meta.at) + 1;
    await ctx.session(c.account, id, { type: 'Insert', device: meta.device, updateTime }, meta);
    return { session: ctx.read.getSession(c.account, meta.device, id)! };
  });
}
