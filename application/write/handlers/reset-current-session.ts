import { ResetCurrentSession } from '../commands/unread-commands.js';
import { defineCommand } from '../command-definition.js';

/** S4.5, on the account stream, which owns the current session. */
export const resetCurrentSession = defineCommand([ResetCurrentSession], async (c, ctx, meta): Promise<void> => {
  await ctx.ensureDevice(meta);
  await ctx.account(c.account, { type: 'ClearCurrent', device: meta.device }, meta);
});
