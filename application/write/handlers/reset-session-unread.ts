import { parseSessionId } from '../../../domain/identity.js';
import type { Session } from '../../../projections/read-model.js';
import type { CommandMeta } from '../command-meta.js';
import type { ResetSessionUnread } from '../commands/unread-commands.js';
import type { HandlerContext } from '../handler-context.js';

/** S4.3; an unknown id resolves null and emits nothing (S4.6). */
export async function resetSessionUnread(c: ResetSessionUnread, ctx: HandlerContext, meta: CommandMeta): Promise<Session | null> {
  const scope = await ctx.markScope(meta);
  if (!parseSessionId(c.sessionId)) return null;
  await ctx.session(c.account, c.sessionId, { type: 'ResetUnread', device: meta.device, scope }, meta);
  return ctx.read.getSession(c.account, meta.device, c.sessionId);
}
