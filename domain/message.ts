/** A chat message, the NIM subset the ledger records (docs/SESSIONS.md S2). */
export const SCENES = ['p2p', 'team', 'superTeam'] as const;
export type Scene = (typeof SCENES)[number];

export interface Message {
  readonly scene: Scene;
  readonly from: string;
  readonly to: string;
  readonly idClient: string;
  readonly idServer?: string;
  readonly type: string;
  readonly text?: string;
  /** ms since epoch */
  readonly time: number;
  /** default true: the message counts toward unread */
  readonly isUnreadable?: boolean;
  readonly custom?: string;
}

/** How the account first came to record a message (S4). */
export type Delivery = 'online' | 'roaming' | 'offline';

/** Identity of a message across deliveries: sender + idClient (S2.3). */
export function messageKey(msg: Pick<Message, 'from' | 'idClient'>): string {
  return JSON.stringify([msg.from, msg.idClient]);
}

/** S1.3 */
export function isOutgoing(account: string, msg: Pick<Message, 'from'>): boolean {
  return msg.from === account;
}

/** S2.5: an account's own p2p message to someone else is recorded in that peer's list too. */
export function hasPeerCopy(account: string, msg: Pick<Message, 'scene' | 'from' | 'to'>): boolean {
  return msg.scene === 'p2p' && isOutgoing(account, msg) && msg.to !== account;
}

/** S4: incoming messages with isUnreadable !== false raise unread. */
export function isCounting(account: string, msg: Pick<Message, 'from' | 'isUnreadable'>): boolean {
  return !isOutgoing(account, msg) && msg.isUnreadable !== false;
}
