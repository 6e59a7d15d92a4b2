import { ArrayNotEmpty, IsArray, IsDefined, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { SCENES, type Scene } from '../../../domain/message.js';
import { DeviceCommand } from './device-fields.js';

/** S7.1 */
export class InsertLocalSession extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'InsertLocalSession';
  @IsIn(SCENES, { message: 'scene must be one of p2p, team, superTeam' }) scene!: Scene;
  @IsString() @IsNotEmpty() to!: string;
  @IsOptional() @IsInt() @Min(0) updateTime?: number;
  constructor(init: { account: string; device?: string; scene: Scene; to: string; updateTime?: number }) {
    super();
    Object.assign(this, init);
  }
}

/** S7.2: only localCustom changes. */
export class UpdateLocalSession extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'UpdateLocalSession';
  @IsString() @IsNotEmpty() id!: string;
  @IsDefined() @IsString() localCustom!: string;
  constructor(init: { account: string; device?: string; id: string; localCustom: string }) {
    super();
    // S7.2: other fields are ignored, not rejected.
    Object.assign(this, { account: init?.account, device: init?.device, id: init?.id, localCustom: init?.localCustom });
    if (this.device === undefined) delete this.device;
  }
}

/** S7.3: one id or several. */
export class DeleteLocalSession extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'DeleteLocalSession';
  @IsArray() @ArrayNotEmpty() @IsString({ each: true }) @IsNotEmpty({ each: true }) ids!: string[];
  constructor(init: { account: string; device?: string; id: string | string[] }) {
    super();
    const { id, ...rest } = init ?? ({} as typeof init);
    Object.assign(this, rest, { ids: Array.isArray(id) ? id : id === undefined ? undefined : [id] });
  }
}

export class SessionRef {
  @IsIn(SCENES, { message: 'scene must be one of p2p, team, superTeam' }) scene!: Scene;
  @IsString() @IsNotEmpty() to!: string;
}

function toRef(value: unknown): SessionRef {
  return value !== null && typeof value === 'object' ? Object.assign(new SessionRef(), value) : (value as SessionRef);
}

/** S7.4: delete on the server, for every device. */
export class DeleteSession extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'DeleteSession';
  @IsIn(SCENES, { message: 'scene must be one of p2p, team, superTeam' }) scene!: Scene;
  @IsString() @IsNotEmpty() to!: string;
  constructor(init: { account: string; device?: string; scene: Scene; to: string }) {
    super();
    Object.assign(this, init);
  }
}

/** S7.4, several at once. */
export class DeleteSessions extends DeviceCommand {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'DeleteSessions';
  @IsArray() @ArrayNotEmpty() @ValidateNested({ each: true }) sessions!: SessionRef[];
  constructor(init: { account: string; device?: string; sessions: { scene: Scene; to: string }[] }) {
    super();
    Object.assign(this, init);
    if (Array.isArray(init?.sessions)) this.sessions = init.sessions.map(toRef);
  }
}
