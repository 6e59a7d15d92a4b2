import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Min } from 'class-validator';
import { SCENES, type Message, type Scene } from '../../domain/message.js';

/** A NIM message as commands accept it (S2). */
export class MessageInput implements Message {
  @IsIn(SCENES, { message: 'scene must be one of p2p, team, superTeam' }) scene!: Scene;
  @IsString() @IsNotEmpty() from!: string;
  @IsString() @IsNotEmpty() to!: string;
  @IsString() @IsNotEmpty() idClient!: string;
  @IsOptional() @IsString() idServer?: string;
  @IsString() @IsNotEmpty() type!: string;
  @IsOptional() @IsString() text?: string;
  @IsInt({ message: 'time must be an integer: ms since epoch' }) @Min(0) time!: number;
  @IsOptional() @IsBoolean() isUnreadable?: boolean;
  @IsOptional() @IsString() custom?: string;
}

/** Copies a plain object into a MessageInput so nested validation sees its decorators. */
export function toMessageInput(value: unknown): MessageInput {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value as MessageInput;
  return Object.assign(new MessageInput(), value);
}

/** The plain message to record: only the known fields, no prototype. */
export function plainMessage(m: Message): Message {
  const out: Record<string, unknown> = {};
  for (const k of ['scene', 'from', 'to', 'idClient', 'idServer', 'type', 'text', 'time', 'isUnreadable', 'custom'] as const) {
    if (m[k] !== undefined) out[k] = m[k];
  }
  return out as unknown as Message;
}
