import { SessionRef } from '../../../domain/session-ref.js';
import { DeleteLocalSession } from '../commands/list-commands.js';
import { defineCommand } from '../command-definition.js';
import { inDeviceLogin } from './device-login.js';
import { endDeletedCurrent } from './end-deleted-current.js';

/** S7.3: this device only, at the session's newest message (S7.5); unknown ids succeed; a current session deleted ends. */
export const deleteLocalSession = defineCommand([DeleteLocalSession], async (c, ctx, meta): Promise<void> => {
  const refs = [...new Set(c.ids)].map((id) => SessionRef.fromId(c.account, id)).filter((ref): ref is SessionRef => ref !== null);
  const steps = await inDeviceLogin(ctx, meta, ({ login }) =>
    Promise.all(refs.map((ref) => ctx.session(ref, { type: 'Delete', scope: 'local', device: meta.device, login }, meta))));
  await endDeletedCurrent(ctx, meta, refs.filter((_, i) => steps[i]!.events.length > 0), meta.device);
});
