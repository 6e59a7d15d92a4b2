import type { Session } from '../../../projections/read-model.js';
import type { CommandMeta } from '../command-meta.js';
import type { SetCurrentSession } from '../commands/unread-commands.js';
import type { HandlerContext } from '../handler-context.js';

/** S4.2; an unknown id changes nothing, not even the current session (S4.6). */
export async function setCurrentSession(c: SetCurrentSession, ctx: HandlerContext, meta: CommandMeta): Promise<Session | null> {
  const scope = await ctx.markScope(meta);
  return ctx.exclusive(['current', c.account, meta.device], async () => {
    if (!ctx.read.getSession(c.account, meta.device, c.sessionId)) return null;
    const previous = ctx.read.currentSession(c.account, meta.device);
    if (previous !== undefined && previous !== c.sessionId) {
      await ctx.session(c.account, previous, { type: 'ClearCurrent', device: meta.device }, meta);
    }
    await ctx.session(c.account, c.sessionId, { type: 'SetCurrent', device: meta.device, scope }, meta);
    return ctx.read.getSession(c.account, meta.device, c.sessionId);
  });
}
