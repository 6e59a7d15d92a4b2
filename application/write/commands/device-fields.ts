import { IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { MaxIdLength } from './text-limit.js';

/** Every command names the list's owner and the device view acting. */
export abstract class DeviceCommand {
  @IsString() @IsNotEmpty() @MaxIdLength() account!: string;
  /** default 'default' */
  @IsOptional() @IsString() @IsNotEmpty() @MaxIdLength() device?: string;
}

/** The input keys every command takes (S10.1: commands copy only the keys they declare). */
export const DEVICE_KEYS = ['account', 'device'] as const;

export function deviceOf(c: { device?: string }): string {
  return c.device ?? 'default';
}
