import { SessionRef } from '../../../domain/session-ref.js';
import { ResetAllSessionUnread } from '../commands/unread-commands.js';
import { defineCommand } from '../command-definition.js';
import { inDeviceLogin } from './device-login.js';

/**
 * S4.4: every session of the view has its mark moved to its newest message (a mark there already
 * appends nothing); the view hears of those whose unread changed. Resolves the ids that had unread.
 * The choice is recorded on the account stream first, so a retry resets the sessions chosen then,
 * not those listed since (an empty list records nothing).
 */
export const resetAllSessionUnread = defineCommand([ResetAllSessionUnread], async (c, ctx, meta): Promise<string[]> =>
  inDeviceLogin(ctx, meta, async ({ scope, login }) => {
    const unread = ctx.read.unreadSessionIds(c.account, meta.device);
    const had = new Set(unread);
    const alsoMarked = ctx.read.allSessions(c.account, meta.device).map((s) => s.id).filter((id) => !had.has(id));
    const { events } = await ctx.account(c.account, { type: 'ResetAllUnread', device: meta.device, sessionIds: unread, alsoMarked }, meta);
    // a choice recorded in several events (issue 9) is their union; a retry after a crash between them may list some twice
    const chosen = events.flatMap((e) => (e.type === 'AllSessionUnreadReset' ? [e.data] : []));
    const ids = [...new Set(chosen.flatMap((e) => [...e.sessionIds, ...(e.alsoMarked ?? [])]))];
    const refs = ids.map((id) => SessionRef.fromId(c.account, id)).filter((ref): ref is SessionRef => ref !== null);
    await Promise.all(refs.map((ref) => ctx.session(ref, { type: 'ResetUnread', device: meta.device, scope, login, all: true }, meta)));
    return [...new Set(chosen.flatMap((e) => e.sessionIds))];
  }));
