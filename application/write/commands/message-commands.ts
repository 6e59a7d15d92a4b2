import { IsArray, IsDefined, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { concernsAccount } from '../../../domain/identity.js';
import type { FieldError } from '../../errors.js';
import { assignInput, fieldProblem, pathOf } from '../../validation.js';
import { DEVICE_KEYS, DeviceCommand } from './device-fields.js';
import { MessageInput, toMessageInput } from './message-input.js';

function isMessage(m: unknown): m is MessageInput {
  return typeof m === 'object' && m !== null && typeof (m as MessageInput).from === 'string' && typeof (m as MessageInput).to === 'string';
}

const MESSAGE_KEYS = [...DEVICE_KEYS, 'message'] as const;

/** A p2p message belongs to the lists of its two ends only. */
export function concernProblem(account: string, m: unknown, path: string): FieldError[] {
  if (!isMessage(m) || typeof account !== 'string' || concernsAccount(account, m)) return [];
  return [fieldProblem(`${path}.to`, m.to, 'concernsAccount', `must be ${account} (or ${path}.from must be): a p2p message belongs to the lists of its two ends`)];
}

/** S2.1: a message arrived online for `account` (incoming, or outgoing from another of its devices). */
export class ReceiveMessage extends DeviceCommand {
  crossFieldErrors(): FieldError[] {
    return concernProblem(this.account, this.message, 'message');
  }

  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'ReceiveMessage';
  @IsDefined() @IsObject() @ValidateNested() message!: MessageInput;
  constructor(init: { account: string; device?: string; message: unknown }) {
    super();
    const { message } = assignInput(this, init, MESSAGE_KEYS);
    if (message !== undefined) this.message = toMessageInput(message);
  }
}

/** S2.1: `account` sent a message; a p2p message is also recorded in the peer's list, as incoming. */
export class SendMessage extends DeviceCommand {
  crossFieldErrors(): FieldError[] {
    const m = this.message;
    return isMessage(m) && typeof this.account === 'string' && m.from !== this.account ? [fieldProblem('message.from', m.from, 'isSender', `must be the sending account ${this.account}`)] : [];
  }

  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'SendMessage';
  @IsDefined() @IsObject() @ValidateNested() message!: MessageInput;
  constructor(init: { account: string; device?: string; message: unknown }) {
    super();
    const { message } = assignInput(this, init, MESSAGE_KEYS);
    if (message !== undefined) this.message = toMessageInput(message);
  }
}

/** S3: a device's login sync with its roaming and offline batches. */
export class SyncMessages extends DeviceCommand {
  crossFieldErrors(): FieldError[] {
    const out: FieldError[] = [];
    for (const field of ['roaming', 'offline'] as const) {
      const list = this[field];
      if (Array.isArray(list)) list.forEach((m, i) => out.push(...concernProblem(this.account, m, pathOf(field, i))));
    }
    return out;
  }

  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'SyncMessages';
  @IsOptional() @IsArray() @ValidateNested({ each: true }) roaming?: MessageInput[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) offline?: MessageInput[];
  constructor(init: { account: string; device?: string; roaming?: unknown[]; offline?: unknown[] }) {
    super();
    const { roaming, offline } = assignInput(this, init, [...DEVICE_KEYS, 'roaming', 'offline']);
    // map keeps holes, so validation still sees them (S10.1)
    if (Array.isArray(roaming)) this.roaming = roaming.map(toMessageInput);
    if (Array.isArray(offline)) this.offline = offline.map(toMessageInput);
  }
}
