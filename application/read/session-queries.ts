import { IsArray, IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString } from 'class-validator';

abstract class DeviceQuery {
  @IsString() @IsNotEmpty() account!: string;
  @IsOptional() @IsString() @IsNotEmpty() device?: string;
}

/** S6.1 */
export class GetLocalSessions extends DeviceQuery {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'GetLocalSessions';
  @IsOptional() @IsString() lastSessionId?: string;
  @IsOptional() @IsInt() limit?: number;
  @IsOptional() @IsBoolean() reverse?: boolean;
  constructor(init: { account: string; device?: string; lastSessionId?: string; limit?: number; reverse?: boolean }) {
    super();
    Object.assign(this, init);
  }
}

/** S6.2 */
export class GetLocalSession extends DeviceQuery {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'GetLocalSession';
  @IsString() @IsNotEmpty() sessionId!: string;
  constructor(init: { account: string; device?: string; sessionId: string }) {
    super();
    Object.assign(this, init);
  }
}

/** S6.3 */
export class GetLocalSessionsByMsgType extends DeviceQuery {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'GetLocalSessionsByMsgType';
  @IsArray() @IsString({ each: true }) exclude!: string[];
  @IsOptional() @IsInt() limit?: number;
  @IsOptional() @IsString() lastSessionId?: string;
  constructor(init: { account: string; device?: string; exclude: string[]; limit?: number; lastSessionId?: string }) {
    super();
    Object.assign(this, init);
  }
}

/** S4.7 */
export class GetTotalUnread extends DeviceQuery {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'GetTotalUnread';
  constructor(init: { account: string; device?: string }) {
    super();
    Object.assign(this, init);
  }
}
