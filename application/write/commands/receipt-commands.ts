import { IsDefined, IsObject, ValidateNested } from 'class-validator';
import type { FieldError } from '../../errors.js';
import { assignInput, fieldProblem } from '../../validation.js';
import { DEVICE_KEYS, DeviceCommand } from './device-fields.js';
import { MessageInput, toMessageInput } from './message-input.js';

/** S5.1: `account` read everything of the peer's up to msg.time. */
export class SendMsgReceipt extends DeviceCommand {
  crossFieldErrors(): FieldError[] {
    const msg = this.msg;
    if (typeof msg !== 'object' || msg === null || typeof this.account !== 'string') return [];
    const out: FieldError[] = [];
    if (msg.scene !== undefined && msg.scene !== 'p2p') out.push(fieldProblem('msg.scene', msg.scene, 'isP2p', 'must be p2p: read receipts exist for p2p sessions only (S5.2)'));
    if (msg.from === this.account) out.push(fieldProblem('msg.from', msg.from, 'isIncoming', `must be the peer: ${this.account} can only confirm messages it received`));
    if (msg.to !== undefined && msg.to !== this.account) out.push(fieldProblem('msg.to', msg.to, 'isReader', `must be ${this.account}, the account sending the receipt`));
    return out;
  }

  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'SendMsgReceipt';
  @IsDefined() @IsObject() @ValidateNested() msg!: MessageInput;
  constructor(init: { account: string; device?: string; msg: unknown }) {
    super();
    const { msg } = assignInput(this, init, [...DEVICE_KEYS, 'msg']);
    if (msg !== undefined) this.msg = toMessageInput(msg);
  }
}
