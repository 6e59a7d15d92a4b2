import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import { MaxIdLength, MaxTextLength } from './text-limit.js';
import { SCENES, type Message, type Scene } from '../../../domain/message.js';
import { isBoxed } from '../../validation.js';

/** A NIM message as commands accept it (S2). */
export class MessageInput implements Message {
  @IsIn(SCENES, { message: 'scene must be one of p2p, team, superTeam' }) scene!: Scene;
  @IsString() @IsNotEmpty() @MaxIdLength() from!: string;
  @IsString() @IsNotEmpty() @MaxIdLength() to!: string;
  @IsString() @IsNotEmpty() @MaxIdLength() idClient!: string;
  @IsOptional() @IsString() @MaxIdLength() idServer?: string;
  @IsString() @IsNotEmpty() @MaxIdLength() type!: string;
  @IsOptional() @IsString() @MaxTextLength() text?: string;
  @IsInt({ message: 'time must be an integer: ms since epoch' }) @Min(0) @Max(Number.MAX_SAFE_INTEGER) time!: number;
  @IsOptional() @IsBoolean() isUnreadable?: boolean;
  @IsOptional() @IsString() @MaxTextLength() custom?: string;
}

const MESSAGE_FIELDS = ['scene', 'from', 'to', 'idClient', 'idServer', 'type', 'text', 'time', 'isUnreadable', 'custom'] as const;

/**
 * Copies a message's known fields into a MessageInput so nested validation sees its decorators.
 * A NIM SDK message has many more fields (flow, status, target, …): they are left behind, not refused.
 */
export function toMessageInput(value: unknown): MessageInput {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isBoxed(value)) return value as MessageInput;
  const input = new MessageInput();
  for (const k of MESSAGE_FIELDS) {
    const v = (value as Record<string, unknown>)[k];
    // S10.1: null means absent, so an optional field given null is never recorded
    if (v !== undefined && v !== null) (input as unknown as Record<string, unknown>)[k] = v;
  }
  return input;
}

/** The plain message to record: only the known fields, no prototype. */
export function plainMessage(m: Message): Message {
  const out: Record<string, unknown> = {};
  for (const k of MESSAGE_FIELDS) {
    if (m[k] !== undefined) out[k] = m[k];
  }
  return out as unknown as Message;
}
