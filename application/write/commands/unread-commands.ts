import { IsNotEmpty, IsString } from 'class-validator';
import { assignInput } from '../../validation.js';
import { DEVICE_KEYS, DeviceCommand } from './device-fields.js';

const SESSION_KEYS = [...DEVICE_KEYS, 'sessionId'] as const;

/** S4.2 */
export class SetCurrentSession extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'SetCurrentSession';
  @IsString() @IsNotEmpty() sessionId!: string;
  constructor(init: { account: string; device?: string; sessionId: string }) {
    super();
    assignInput(this, init, SESSION_KEYS);
  }
}

/** S4.3 */
export class ResetSessionUnread extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'ResetSessionUnread';
  @IsString() @IsNotEmpty() sessionId!: string;
  constructor(init: { account: string; device?: string; sessionId: string }) {
    super();
    assignInput(this, init, SESSION_KEYS);
  }
}

/** S4.4 */
export class ResetAllSessionUnread extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'ResetAllSessionUnread';
  constructor(init: { account: string; device?: string }) {
    super();
    assignInput(this, init, DEVICE_KEYS);
  }
}

/** S4.5 */
export class ResetCurrentSession extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'ResetCurrentSession';
  constructor(init: { account: string; device?: string }) {
    super();
    assignInput(this, init, DEVICE_KEYS);
  }
}
