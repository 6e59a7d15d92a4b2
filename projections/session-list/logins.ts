import { NO_POINT, type DeviceModel, type DeviceSessionModel } from './model.js';

/** S7.7: a local change decided in an earlier login of the device, which a sync since has forgotten. */
export function stale(device: DeviceModel, login: number | undefined): boolean {
  return login !== undefined && login < device.login;
}

/** S7.7: a sync on a device without a database starts its counts and local changes afresh. */
export function forgetLocal(view: DeviceSessionModel): void {
  view.mark = NO_POINT;
  view.batch = undefined;
  view.hidden = false;
  view.hiddenAt = NO_POINT;
  view.insertedUpdateTime = undefined;
  view.insertFloor = NO_POINT;
  view.localCustom = undefined;
}
