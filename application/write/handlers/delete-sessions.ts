import { SessionRef } from '../../../domain/session-ref.js';
import { DeleteSession, DeleteSessions } from '../commands/list-commands.js';
import { defineCommand } from '../command-definition.js';
import { endDeletedCurrent } from './end-deleted-current.js';

/** S7.4: every device; messages at or before the session's newest message never revive it (S7.5); where it was current, that ends. */
export const deleteSessions = defineCommand<DeleteSession | DeleteSessions, void>([DeleteSession, DeleteSessions], async (c, ctx, meta) => {
  await ctx.ensureDevice(meta);
  const given = 'sessions' in c ? c.sessions : [{ scene: c.scene, to: c.to }];
  const refs = new Map(given.map((s) => SessionRef.of(c.account, s.scene, s.to)).map((ref) => [ref.id, ref]));
  // S7.7: an insert a device's sync has forgotten since does not hold the session
  const logins = new Map(ctx.read.devicesOf(c.account).map((d) => [d, ctx.read.deviceLogin(c.account, d)]));
  const deleting = [...refs.values()];
  const steps = await Promise.all(deleting.map((ref) => ctx.session(ref, { type: 'Delete', scope: 'server', device: meta.device, logins }, meta)));
  await endDeletedCurrent(ctx, meta, deleting.filter((_, i) => steps[i]!.events.length > 0));
});
