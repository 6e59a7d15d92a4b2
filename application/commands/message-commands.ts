import { IsArray, IsDefined, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { DeviceCommand } from './device-fields.js';
import { MessageInput, toMessageInput } from './message-input.js';

/** S2.1: a message arrived online for `account` (incoming, or outgoing from another of its devices). */
export class ReceiveMessage extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'ReceiveMessage';
  @IsDefined() @IsObject() @ValidateNested() message!: MessageInput;
  constructor(init: { account: string; device?: string; message: unknown }) {
    super();
    Object.assign(this, init, { message: toMessageInput(init?.message) });
  }
}

/** S2.1: `account` sent a message; a p2p message is also recorded in the peer's list, as incoming. */
export class SendMessage extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'SendMessage';
  @IsDefined() @IsObject() @ValidateNested() message!: MessageInput;
  constructor(init: { account: string; device?: string; message: unknown }) {
    super();
    Object.assign(this, init, { message: toMessageInput(init?.message) });
  }
}

/** S3: a device's login sync with its roaming and offline batches. */
export class SyncMessages extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'SyncMessages';
  @IsOptional() @IsArray() @ValidateNested({ each: true }) roaming?: MessageInput[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) offline?: MessageInput[];
  constructor(init: { account: string; device?: string; roaming?: unknown[]; offline?: unknown[] }) {
    super();
    Object.assign(this, init);
    if (Array.isArray(init?.roaming)) this.roaming = init.roaming.map(toMessageInput);
    if (Array.isArray(init?.offline)) this.offline = init.offline.map(toMessageInput);
  }
}
