import { DEFAULT_DEVICE_OPTIONS } from '../../../domain/events.js';
import { RegisterDevice } from '../commands/device-commands.js';
import { defineCommand } from '../command-definition.js';

/** S10.3: the device's options enter the history when its view is first created with them. */
export const registerDevice = defineCommand([RegisterDevice], async (c, ctx, meta): Promise<void> => {
  // S4: each handle chooses its mode by its own options; those left out take the seed's defaults.
  const options = {
    db: c.db ?? DEFAULT_DEVICE_OPTIONS.db,
    syncSessionUnread: c.syncSessionUnread ?? DEFAULT_DEVICE_OPTIONS.syncSessionUnread,
    autoMarkRead: c.autoMarkRead ?? DEFAULT_DEVICE_OPTIONS.autoMarkRead,
  };
  await ctx.account(c.account, { type: 'RegisterDevice', device: meta.device, options }, meta);
});
