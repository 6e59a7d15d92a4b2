import { IsArray, IsDefined, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { concernsAccount } from '../../../domain/identity.js';
import type { FieldError } from '../../errors.js';
import { fieldProblem } from '../../validation.js';
import { DeviceCommand } from './device-fields.js';
import { MessageInput, toMessageInput } from './message-input.js';

function isMessage(m: unknown): m is MessageInput {
  return typeof m === 'object' && m !== null && typeof (m as MessageInput).from === 'string' && typeof (m as MessageInput).to === 'string';
}

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
    Object.assign(this, init, { message: toMessageInput(init?.message) });
  }
}

/** S2.1: `account` sent a message; a p2p message is also recorded in the peer's list, as incoming. */
export class SendMessage extends DeviceCommand {
  crossFieldErrors(): FieldError[] {
    const m = this.message;
    return isMessage(m) && m.from !== this.account ? [fieldProblem('message.from', m.from, 'isSender', `must be the sending account ${this.account}`)] : [];
  }

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
  crossFieldErrors(): FieldError[] {
    const out: FieldError[] = [];
    for (const field of ['roaming', 'offline'] as const) {
      const list = this[field];
      if (Array.isArray(list)) list.forEach((m, i) => out.push(...concernProblem(this.account, m, `${field}.${i}`)));
    }
    return out;
  }

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
