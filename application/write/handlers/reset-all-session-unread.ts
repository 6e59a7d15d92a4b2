import type { CommandMeta } from '../command-meta.js';
import type { ResetAllSessionUnread } from '../commands/unread-commands.js';
import type { HandlerContext } from '../handler-context.js';

/** S4.4: only sessions with unread > 0 change; resolves their ids. */
export async function resetAllSessionUnread(c: ResetAllSessionUnread, ctx: HandlerContext, meta: CommandMeta): Promise<string[]> {
  const scope = await ctx.markScope(meta);
  const ids = ctx.read.unreadSessionIds(c.account, meta.device);
  await Promise.all(ids.map((id) => ctx.session(c.account, id, { type: 'ResetUnread', device: meta.device, scope }, meta)));
  return ids;
}
