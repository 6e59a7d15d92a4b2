import type { Login, MarkScope, UnreadMode } from '../../../domain/events.js';
import { markScopeOf } from '../../../domain/events.js';
import type { CommandMeta } from '../command-meta.js';
import type { HandlerContext } from '../handler-context.js';

/**
 * What a device's local changes and resets are decided with: its mark scope (S4 table) and its
 * current login (S7.7: the syncs it made so far, always 0 on a device with a database).
 */
export interface DeviceNow {
  readonly scope: MarkScope;
  readonly login: Login;
}

/** S7.7: only devices without a database (modes C, D) have logins that a sync ends. */
const hasLogins = (mode: UnreadMode): boolean => mode === 'C' || mode === 'D';

const loginLane = (meta: CommandMeta): readonly string[] => ['login', meta.device];

/**
 * Runs `work` with the device's scope and login. On a device without a database, its local changes
 * and resets take turns with its syncs (`syncLogin`), so each is decided with the login it is
 * recorded in: a change dispatched alongside a sync belongs wholly to the login before it (and the
 * sync forgets it, through `removed$`) or to the one after it, never half to each (S7.7), whichever
 * processes run them. `alsoLanes`: more turns the work takes on the account at the same time.
 */
export async function inDeviceLogin<T>(ctx: HandlerContext, meta: CommandMeta, work: (now: DeviceNow) => Promise<T>, alsoLanes: readonly (readonly string[])[] = []): Promise<T> {
  const mode = await ctx.ensureDevice(meta);
  const run = () => work({ scope: markScopeOf(mode), login: ctx.read.deviceLogin(meta.account, meta.device) });
  const lanes = hasLogins(mode) ? [loginLane(meta), ...alsoLanes] : alsoLanes;
  return lanes.length > 0 ? ctx.exclusive(meta.account, lanes, run) : run();
}

/** S7.7: a sync's new login, recorded while no local change of the device is being decided. */
export async function syncLogin<T>(ctx: HandlerContext, meta: CommandMeta, work: (mode: UnreadMode) => Promise<T>): Promise<T> {
  const mode = await ctx.ensureDevice(meta);
  return hasLogins(mode) ? ctx.exclusive(meta.account, [loginLane(meta)], () => work(mode)) : work(mode);
}
