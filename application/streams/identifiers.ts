import type { IncomingMessage } from './types.js';

/**
 * M1.2 default: sender + context type + union id, as Ion.js's `114514message/group/normal1919810`;
 * the union id is the team for team scenes and the sender for p2p.
 */
export function defaultIdOf({ message }: IncomingMessage): string {
  const unionId = message.scene === 'p2p' ? message.from : message.to;
  return `${message.from}message/${message.scene}${unionId}`;
}

/** M1.2 group: the team id; p2p has no team, so it reaches no `group` handler. */
export function groupIdOf({ message }: IncomingMessage): string | undefined {
  return message.scene === 'p2p' ? undefined : message.to;
}

/** M1.2 user: the sender. */
export function userIdOf({ message }: IncomingMessage): string {
  return message.from;
}

export const BUILT_IN_IDENTIFIERS = {
  default: defaultIdOf,
  group: groupIdOf,
  user: userIdOf,
} as const;
