import type { CommandMeta } from '../command-meta.js';
import type { ResetCurrentSession } from '../commands/unread-commands.js';
import type { HandlerContext } from '../handler-context.js';

/** S4.5 */
export async function resetCurrentSession(c: ResetCurrentSession, ctx: HandlerContext, meta: CommandMeta): Promise<void> {
  await ctx.ensureDevice(meta);
  await ctx.exclusive(['current', c.account, meta.device], async () => {
    const current = ctx.read.currentSession(c.account, meta.device);
    if (current !== undefined) await ctx.session(c.account, current, { type: 'ClearCurrent', device: meta.device }, meta);
  });
}
