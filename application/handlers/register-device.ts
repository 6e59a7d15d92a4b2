import type { CommandMeta } from '../command-context.js';
import type { RegisterDevice } from '../commands/device-commands.js';
import type { HandlerContext } from './handler-context.js';

/** S10.3: the device's options enter the history when its view is first created with them. */
export async function registerDevice(c: RegisterDevice, ctx: HandlerContext, meta: CommandMeta): Promise<void> {
  // Options left out keep what the device has (the seed's defaults for a new one).
  const options = { db: c.db, syncSessionUnread: c.syncSessionUnread, autoMarkRead: c.autoMarkRead };
  await ctx.account(c.account, { type: 'RegisterDevice', device: meta.device, options }, meta);
}
