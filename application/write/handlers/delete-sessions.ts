import { SessionRef } from '../../../domain/session-ref.js';
import { DeleteSession, DeleteSessions } from '../commands/list-commands.js';
import { defineCommand } from '../command-definition.js';

/** S7.4: every device; messages at or before the ledger clock never revive it. */
export const deleteSessions = defineCommand<DeleteSession | DeleteSessions, void>([DeleteSession, DeleteSessions], async (c, ctx, meta) => {
  await ctx.ensureDevice(meta);
  const given = 'sessions' in c ? c.sessions : [{ scene: c.scene, to: c.to }];
  const refs = new Map(given.map((s) => SessionRef.of(c.account, s.scene, s.to)).map((ref) => [ref.id, ref]));
  await Promise.all([...refs.values()].map((ref) => ctx.session(ref, { type: 'Delete', scope: 'server', device: meta.device, at: meta.at }, meta)));
});
