import { parseSessionId } from '../../../domain/identity.js';
import type { Session } from '../../../projections/read-model.js';
import type { CommandMeta } from '../command-meta.js';
import type { UpdateLocalSession } from '../commands/list-commands.js';
import type { HandlerContext } from '../handler-context.js';

/** S7.2: null for a session that is not in this view's list. */
export async function updateLocalSession(c: UpdateLocalSession, ctx: HandlerContext, meta: CommandMeta): Promise<Session | null> {
  await ctx.ensureDevice(meta);
  if (!parseSessionId(c.id)) return null;
  await ctx.session(c.account, c.id, { type: 'UpdateLocalCustom', device: meta.device, localCustom: c.localCustom }, meta);
  return ctx.read.getSession(c.account, meta.device, c.id);
}
