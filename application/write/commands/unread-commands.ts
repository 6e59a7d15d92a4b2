import { IsNotEmpty, IsString } from 'class-validator';
import { DeviceCommand } from './device-fields.js';

/** S4.2 */
export class SetCurrentSession extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'SetCurrentSession';
  @IsString() @IsNotEmpty() sessionId!: string;
  constructor(init: { account: string; device?: string; sessionId: string }) {
    super();
    Object.assign(this, init);
  }
}

/** S4.3 */
export class ResetSessionUnread extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'ResetSessionUnread';
  @IsString() @IsNotEmpty() sessionId!: string;
  constructor(init: { account: string; device?: string; sessionId: string }) {
    super();
    Object.assign(this, init);
  }
}

/** S4.4 */
export class ResetAllSessionUnread extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'ResetAllSessionUnread';
  constructor(init: { account: string; device?: string }) {
    super();
    Object.assign(this, init);
  }
}

/** S4.5 */
export class ResetCurrentSession extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'ResetCurrentSession';
  constructor(init: { account: string; device?: string }) {
    super();
    Object.assign(this, init);
  }
}
