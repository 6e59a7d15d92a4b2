import { ArrayNotEmpty, IsArray, IsDefined, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { MaxIdLength, MaxSessionIdLength, MaxTextLength } from './text-limit.js';
import { SCENES, type Scene } from '../../../domain/message.js';
import type { FieldError } from '../../errors.js';
import { assignInput, fieldProblem, isBoxed, isForbiddenKey, lengthProblems, pathOf } from '../../validation.js';
import { MAX_SESSION_ID_LENGTH } from '../../../domain/event-size.js';
import { DEVICE_KEYS, DeviceCommand } from './device-fields.js';

const SCENE_MESSAGE = { message: 'scene must be one of p2p, team, superTeam' };

/** S7.1 */
export class InsertLocalSession extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'InsertLocalSession';
  @IsIn(SCENES, SCENE_MESSAGE) scene!: Scene;
  @IsString() @IsNotEmpty() @MaxIdLength() to!: string;
  @IsOptional() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) updateTime?: number;
  constructor(init: { account: string; device?: string; scene: Scene; to: string; updateTime?: number }) {
    super();
    assignInput(this, init, [...DEVICE_KEYS, 'scene', 'to', 'updateTime']);
  }
}

const UPDATE_KEYS = [...DEVICE_KEYS, 'id', 'localCustom'] as const;

/** S7.2: only localCustom changes. */
export class UpdateLocalSession extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'UpdateLocalSession';
  @IsString() @IsNotEmpty() @MaxSessionIdLength() id!: string;
  @IsDefined() @IsString() @MaxTextLength() localCustom!: string;
  constructor(init: { account: string; device?: string; id: string; localCustom: string }) {
    super();
    // S7.2: other fields are ignored, not rejected (dangerous keys are still refused).
    const kept = init !== null && typeof init === 'object' && !Array.isArray(init) && !isBoxed(init)
      ? Object.fromEntries(Object.entries(init).filter(([k]) => (UPDATE_KEYS as readonly string[]).includes(k) || isForbiddenKey(k)))
      : init;
    assignInput(this, kept, UPDATE_KEYS);
  }
}

/** S7.3: one id or several (each at most MAX_SESSION_ID_LENGTH units); errors name `id` (or `id[2]`), as the caller wrote it. */
export class DeleteLocalSession extends DeviceCommand {
  crossFieldErrors(): FieldError[] {
    const id: unknown = this.id;
    if (id === undefined || id === null) return [];
    if (!Array.isArray(id)) return typeof id === 'string' && id.length > 0 ? lengthProblems('id', id, MAX_SESSION_ID_LENGTH) : [fieldProblem('id', id, 'isIdOrIds', 'must be a session id or a non-empty array of them')];
    if (id.length === 0) return [fieldProblem('id', id, 'arrayNotEmpty', 'must not be an empty array')];
    return id.flatMap((one, i) => (typeof one === 'string' && one.length > 0 ? lengthProblems(pathOf('id', i), one, MAX_SESSION_ID_LENGTH) : [fieldProblem(pathOf('id', i), one, 'isNotEmptyString', 'must be a non-empty string')]));
  }

  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'DeleteLocalSession';
  @IsDefined() id!: string | string[];
  constructor(init: { account: string; device?: string; id: string | string[] }) {
    super();
    assignInput(this, init, [...DEVICE_KEYS, 'id']);
  }

  get ids(): string[] {
    return Array.isArray(this.id) ? this.id : [this.id];
  }
}

export class SessionRef {
  @IsIn(SCENES, SCENE_MESSAGE) scene!: Scene;
  @IsString() @IsNotEmpty() @MaxIdLength() to!: string;
}

function toRef(value: unknown, index: number): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const ref = new SessionRef();
  assignInput(ref, value, ['scene', 'to'], pathOf('sessions', index));
  return ref;
}

/** S7.4: delete on the server, for every device. */
export class DeleteSession extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'DeleteSession';
  @IsIn(SCENES, SCENE_MESSAGE) scene!: Scene;
  @IsString() @IsNotEmpty() @MaxIdLength() to!: string;
  constructor(init: { account: string; device?: string; scene: Scene; to: string }) {
    super();
    assignInput(this, init, [...DEVICE_KEYS, 'scene', 'to']);
  }
}

/** S7.4, several at once. */
export class DeleteSessions extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'DeleteSessions';
  @IsArray() @ArrayNotEmpty() @ValidateNested({ each: true }) sessions!: SessionRef[];
  constructor(init: { account: string; device?: string; sessions: { scene: Scene; to: string }[] }) {
    super();
    const { sessions } = assignInput(this, init, [...DEVICE_KEYS, 'sessions']);
    // map keeps holes, so validation still sees them (S10.1)
    if (Array.isArray(sessions)) this.sessions = sessions.map(toRef) as SessionRef[];
  }
}
