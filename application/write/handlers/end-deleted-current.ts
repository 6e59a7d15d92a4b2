import type { SessionRef } from '../../../domain/session-ref.js';
import type { CommandMeta } from '../command-meta.js';
import type { HandlerContext } from '../handler-context.js';

/** S7.4: deleting a device's current session ends it there, recorded as in S4.2 (`CurrentSessionCleared`). */
export async function endDeletedCurrent(ctx: HandlerContext, meta: CommandMeta, deleted: readonly SessionRef[], device?: string): Promise<void> {
  if (deleted.length === 0) return;
  const sessionIds = deleted.map((ref) => ref.id);
  await ctx.account(meta.account, device === undefined ? { type: 'EndDeletedCurrent', sessionIds } : { type: 'EndDeletedCurrent', sessionIds, device }, meta);
}
