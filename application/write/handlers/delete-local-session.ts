import { SessionRef } from '../../../domain/session-ref.js';
import { DeleteLocalSession } from '../commands/list-commands.js';
import { defineCommand } from '../command-definition.js';

/** S7.3: this device only; unknown ids succeed. */
export const deleteLocalSession = defineCommand([DeleteLocalSession], async (c, ctx, meta): Promise<void> => {
  await ctx.ensureDevice(meta);
  const refs = [...new Set(c.ids)].map((id) => SessionRef.fromId(c.account, id)).filter((ref): ref is SessionRef => ref !== null);
  await Promise.all(refs.map((ref) => ctx.session(ref, { type: 'Delete', scope: 'local', device: meta.device, at: meta.at }, meta)));
});
