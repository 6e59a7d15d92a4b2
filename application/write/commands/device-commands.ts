import { IsBoolean, IsOptional } from 'class-validator';
import { assignInput } from '../../validation.js';
import { DEVICE_KEYS, DeviceCommand } from './device-fields.js';

/** S4 / S10.3: a device view and the options that choose its unread mode. */
export class RegisterDevice extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'RegisterDevice';
  @IsOptional() @IsBoolean() db?: boolean;
  @IsOptional() @IsBoolean() syncSessionUnread?: boolean;
  @IsOptional() @IsBoolean() autoMarkRead?: boolean;
  constructor(init: { account: string; device?: string; db?: boolean; syncSessionUnread?: boolean; autoMarkRead?: boolean }) {
    super();
    assignInput(this, init, [...DEVICE_KEYS, 'db', 'syncSessionUnread', 'autoMarkRead']);
  }
}
