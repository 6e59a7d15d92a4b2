import { sessionIdOf } from '../../../domain/identity.js';
import type { CommandMeta } from '../command-meta.js';
import type { DeleteSession, DeleteSessions } from '../commands/list-commands.js';
import type { HandlerContext } from '../handler-context.js';

/** S7.4: every device; messages at or before the ledger clock never revive it. */
export async function deleteSessions(c: DeleteSession | DeleteSessions, ctx: HandlerContext, meta: CommandMeta): Promise<void> {
  await ctx.ensureDevice(meta);
  const refs = 'sessions' in c ? c.sessions : [{ scene: c.scene, to: c.to }];
  const ids = [...new Set(refs.map((r) => sessionIdOf(r.scene, r.to)))];
  await Promise.all(ids.map((id) => ctx.session(c.account, id, { type: 'Delete', scope: 'server', device: meta.device, at: meta.at }, meta)));
}
