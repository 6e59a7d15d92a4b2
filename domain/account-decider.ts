import type { AccountEvent, DeviceOptions } from './events.js';
import { DEFAULT_DEVICE_OPTIONS, unreadModeOf } from './events.js';

/** The account stream: which device views exist, with the options that give their unread mode. */
export interface AccountState {
  readonly devices: ReadonlyMap<string, DeviceOptions>;
}

export type AccountCommand =
  /** options left out keep what the device has, or the seed's defaults for a new device (a command's implicit registration gives none) */
  | { readonly type: 'RegisterDevice'; readonly device: string; readonly options: Partial<DeviceOptions> }
  | { readonly type: 'StartSync'; readonly device: string };

export function initialAccountState(): AccountState {
  return { devices: new Map() };
}

function sameOptions(a: DeviceOptions, b: DeviceOptions): boolean {
  return a.db === b.db && a.syncSessionUnread === b.syncSessionUnread && a.autoMarkRead === b.autoMarkRead;
}

export function decideAccount(command: AccountCommand, state: AccountState): readonly AccountEvent[] {
  switch (command.type) {
    case 'RegisterDevice': {
      const known = state.devices.get(command.device);
      const given = Object.fromEntries(Object.entries(command.options).filter(([, v]) => v !== undefined));
      const options: DeviceOptions = { ...(known ?? DEFAULT_DEVICE_OPTIONS), ...given };
      if (known && sameOptions(known, options)) return []; // S10.3: recorded when first created with them
      return [{ type: 'DeviceRegistered', data: { device: command.device, options, mode: unreadModeOf(options) } }];
    }
    case 'StartSync': {
      const options = state.devices.get(command.device);
      if (!options || options.db) return []; // only modes C and D forget their counts at a sync
      return [{ type: 'DeviceSyncStarted', data: { device: command.device } }];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown account command ${JSON.stringify(never)}`);
    }
  }
}

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'DeviceRegistered': {
      const devices = new Map(state.devices);
      devices.set(event.data.device, event.data.options);
      return { devices };
    }
    case 'DeviceSyncStarted':
      return state;
    default: {
      const never: never = event;
      throw new Error(`unknown account event ${JSON.stringify(never)}`);
    }
  }
}
