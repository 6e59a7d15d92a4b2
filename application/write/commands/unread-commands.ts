import { IsNotEmpty, IsString } from 'class-validator';
import { MaxSessionIdLength } from './text-limit.js';
import { parseSessionId } from '../../../domain/identity.js';
import type { FieldError } from '../../errors.js';
import { assignInput, fieldProblem } from '../../validation.js';
import { DEVICE_KEYS, DeviceCommand } from './device-fields.js';

const SESSION_KEYS = [...DEVICE_KEYS, 'sessionId'] as const;

/** S4.2: the id must be a session id (`p2p-…`, `team-…`, `superTeam-…`); a well-formed unknown one has no effect (S4.6). */
export class SetCurrentSession extends DeviceCommand {
  crossFieldErrors(): FieldError[] {
    const id: unknown = this.sessionId;
    if (typeof id !== 'string' || id.length === 0 || parseSessionId(id)) return [];
    return [fieldProblem('sessionId', id, 'isSessionId', 'must be a session id: p2p-<account>, team-<team id> or superTeam-<team id>')];
  }

  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'SetCurrentSession';
  @IsString() @IsNotEmpty() @MaxSessionIdLength() sessionId!: string;
  constructor(init: { account: string; device?: string; sessionId: string }) {
    super();
    assignInput(this, init, SESSION_KEYS);
  }
}

/** S4.3 */
export class ResetSessionUnread extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'ResetSessionUnread';
  @IsString() @IsNotEmpty() @MaxSessionIdLength() sessionId!: string;
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
