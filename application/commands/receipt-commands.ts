import { IsDefined, IsObject, ValidateNested } from 'class-validator';
import { DeviceCommand } from './device-fields.js';
import { MessageInput, toMessageInput } from './message-input.js';

/** S5.1: `account` read everything of the peer's up to msg.time. */
export class SendMsgReceipt extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'SendMsgReceipt';
  @IsDefined() @IsObject() @ValidateNested() msg!: MessageInput;
  constructor(init: { account: string; device?: string; msg: unknown }) {
    super();
    Object.assign(this, init, { msg: toMessageInput(init?.msg) });
  }
}
