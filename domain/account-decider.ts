import type { Decider } from './decider.js';
import type { AccountEvent, DeviceOptions } from './events.js';
import { DEFAULT_DEVICE_OPTIONS, markScopeOf, unreadModeOf } from './events.js';
import { LIST_EVENT_BYTES, jsonStringBytes, partsBySize } from './event-size.js';

/**
 * The account stream: which device views exist, with the options that give their unread mode,
 * and each device's current session (S4.2), which has this one owner.
 */
export interface AccountState {
  readonly account: string;
  readonly devices: ReadonlyMap<string, DeviceOptions>;
  /** device → its current session id */
  readonly current: ReadonlyMap<string, string>;
}

export type AccountCommand =
  /** options left out keep what the device has, or the seed's defaults for a new device (a command's implicit registration gives none) */
  | { readonly type: 'RegisterDevice'; readonly device: string; readonly options: Partial<DeviceOptions> }
  | { readonly type: 'StartSync'; readonly device: string }
  /** S4.2: the caller checked that the session is in the device's list, and read its newest message time */
  | { readonly type: 'SetCurrent'; readonly device: string; readonly sessionId: string; readonly mark: number }
  | { readonly type: 'ClearCurrent'; readonly device: string }
  /** S7.4: a delete of these sessions ends them where they are current (on `device` only, for a local delete) */
  | { readonly type: 'EndDeletedCurrent'; readonly sessionIds: readonly string[]; readonly device?: string }
  /** S4.4: records the sessions a reset of all chose: those with unread, and the view's others */
  | { readonly type: 'ResetAllUnread'; readonly device: string; readonly sessionIds: readonly string[]; readonly alsoMarked: readonly string[] };

export function initialAccountState(account: string): AccountState {
  return { account, devices: new Map(), current: new Map() };
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
      // S7.7: a sync is a new login there: it ends the current session, recorded as in S4.2.
      const current = state.current.get(command.device);
      const started: AccountEvent = { type: 'DeviceSyncStarted', data: { device: command.device } };
      return current === undefined ? [started] : [started, { type: 'CurrentSessionCleared', data: { sessionId: current, device: command.device } }];
    }
    case 'SetCurrent': {
      // Set again, it marks the session read again (S4.2).
      const scope = markScopeOf(unreadModeOf(state.devices.get(command.device) ?? DEFAULT_DEVICE_OPTIONS));
      return [{ type: 'CurrentSessionSet', data: { sessionId: command.sessionId, device: command.device, scope, mark: command.mark } }];
    }
    case 'ClearCurrent': {
      const sessionId = state.current.get(command.device);
      return sessionId === undefined ? [] : [{ type: 'CurrentSessionCleared', data: { sessionId, device: command.device } }];
    }
    case 'EndDeletedCurrent': {
      const deleted = new Set(command.sessionIds);
      return [...state.current]
        .filter(([device, sessionId]) => deleted.has(sessionId) && (command.device === undefined || command.device === device))
        .map(([device, sessionId]) => ({ type: 'CurrentSessionCleared', data: { sessionId, device } }));
    }
    case 'ResetAllUnread': {
      // An empty list changes nothing (S4.4), and records nothing.
      const { device, sessionIds, alsoMarked } = command;
      if (sessionIds.length + alsoMarked.length === 0) return [];
      const bytes = [...sessionIds, ...alsoMarked].reduce((sum, id) => sum + jsonStringBytes(id) + 1, 0);
      if (bytes <= LIST_EVENT_BYTES) return [{ type: 'AllSessionUnreadReset', data: { device, sessionIds, alsoMarked } }];
      // issue 9: a choice too long for one event, in several: those with unread first, then the others
      return [
        ...partsBySize(sessionIds).map((part): AccountEvent => ({ type: 'AllSessionUnreadReset', data: { device, sessionIds: part, alsoMarked: [] } })),
        ...partsBySize(alsoMarked).map((part): AccountEvent => ({ type: 'AllSessionUnreadReset', data: { device, sessionIds: [], alsoMarked: part } })),
      ];
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
      return { ...state, devices };
    }
    case 'CurrentSessionSet': {
      const current = new Map(state.current);
      current.set(event.data.device, event.data.sessionId);
      return { ...state, current };
    }
    case 'CurrentSessionCleared': {
      const current = new Map(state.current);
      current.delete(event.data.device);
      return { ...state, current };
    }
    case 'DeviceSyncStarted':
    case 'AllSessionUnreadReset':
      return state;
    default: {
      const unknown: never = event;
      void unknown;
      return state;
    }
  }
}

/** The account aggregate of `account`. */
export function accountDecider(account: string): Decider<AccountCommand, AccountEvent, AccountState> {
  return { decide: decideAccount, evolve: evolveAccount, initialState: () => initialAccountState(account) };
}
