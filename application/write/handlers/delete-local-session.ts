import { parseSessionId } from '../../../domain/identity.js';
import type { CommandMeta } from '../command-meta.js';
import type { DeleteLocalSession } from '../commands/list-commands.js';
import type { HandlerContext } from '../handler-context.js';

/** S7.3: this device only; unknown ids succeed. */
export async function deleteLocalSession(c: DeleteLocalSession, ctx: HandlerContext, meta: CommandMeta): Promise<void> {
  await ctx.ensureDevice(meta);
  const ids = [...new Set(c.ids)].filter((id) => parseSessionId(id) !== null);
  await Promise.all(ids.map((id) => ctx.session(c.account, id, { type: 'Delete', scope: 'local', device: meta.device, at: meta.at }, meta)));
}
