import { IsArray, IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { assignInput } from '../validation.js';

const DEVICE_KEYS = ['account', 'device'] as const;

abstract class DeviceQuery {
  @IsString() @IsNotEmpty() account!: string;
  @IsOptional() @IsString() @IsNotEmpty() device?: string;
}

// Queries are built as commands are (S10.1): declared keys only, null meaning absent.

/** S6.1 */
export class GetLocalSessions extends DeviceQuery {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'GetLocalSessions';
  @IsOptional() @IsString() lastSessionId?: string;
  @IsOptional() @IsInt() limit?: number;
  @IsOptional() @IsBoolean() reverse?: boolean;
  constructor(init: { account: string; device?: string; lastSessionId?: string; limit?: number; reverse?: boolean }) {
    super();
    assignInput(this, init, [...DEVICE_KEYS, ...['lastSessionId', 'limit', 'reverse']]);
  }
}

/** S6.2 */
export class GetLocalSession extends DeviceQuery {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'GetLocalSession';
  @IsString() @IsNotEmpty() sessionId!: string;
  constructor(init: { account: string; device?: string; sessionId: string }) {
    super();
    assignInput(this, init, [...DEVICE_KEYS, ...['sessionId']]);
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
    assignInput(this, init, [...DEVICE_KEYS, ...['exclude', 'limit', 'lastSessionId']]);
  }
}

/** S4.7 */
export class GetTotalUnread extends DeviceQuery {
  /** type-only: keeps command types distinct for the buses' result types */
  declare private readonly brand: 'GetTotalUnread';
  constructor(init: { account: string; device?: string }) {
    super();
    assignInput(this, init, DEVICE_KEYS);
  }
}
