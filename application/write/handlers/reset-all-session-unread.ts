import { SessionRef } from '../../../domain/session-ref.js';
import { ResetAllSessionUnread } from '../commands/unread-commands.js';
import { defineCommand } from '../command-definition.js';

/**
 * S4.4: only sessions with unread > 0 change; resolves their ids. The choice is recorded on the
 * account stream first, so a retry resets the sessions chosen then, not those unread since (a
 * call that found nothing unread records nothing: dispatched again, it resets what is unread then).
 */
export const resetAllSessionUnread = defineCommand([ResetAllSessionUnread], async (c, ctx, meta): Promise<string[]> => {
  const scope = await ctx.markScope(meta);
  const sessionIds = ctx.read.unreadSessionIds(c.account, meta.device);
  const { events } = await ctx.account(c.account, { type: 'ResetAllUnread', device: meta.device, sessionIds }, meta);
  const chosen = events.flatMap((e) => (e.type === 'AllSessionUnreadReset' ? e.data.sessionIds : []));
  const refs = chosen.map((id) => SessionRef.fromId(c.account, id)).filter((ref): ref is SessionRef => ref !== null);
  await Promise.all(refs.map((ref) => ctx.session(ref, { type: 'ResetUnread', device: meta.device, scope }, meta)));
  return chosen;
});
