import type { Login, MarkScope } from '../../../domain/events.js';
import { markScopeOf } from '../../../domain/events.js';
import type { CommandMeta } from '../command-meta.js';
import type { HandlerContext } from '../handler-context.js';

/**
 * What a device's local changes and resets are decided with: its mark scope (S4 table) and its
 * current login (S7.7: the syncs it made so far, always 0 on a device with a database).
 */
export async function deviceNow(ctx: HandlerContext, meta: CommandMeta): Promise<{ scope: MarkScope; login: Login }> {
  const mode = await ctx.ensureDevice(meta);
  return { scope: markScopeOf(mode), login: ctx.read.deviceLogin(meta.account, meta.device) };
}
