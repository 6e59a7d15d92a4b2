import type { Message } from '../../domain/message.js';
import type { HistoryEntry } from '../../application/read/audit.js';

let counter = 0;

/** A p2p text message; `time` is required so tests say when things happen. */
export function p2p(from: string, to: string, time: number, extra: Partial<Message> = {}): Message {
  return { scene: 'p2p', from, to, idClient: extra.idClient ?? `m${++counter}`, type: 'text', text: `hi ${counter}`, time, ...extra };
}

export function team(from: string, teamId: string, time: number, extra: Partial<Message> = {}): Message {
  return { scene: 'team', from, to: teamId, idClient: extra.idClient ?? `t${++counter}`, type: 'text', text: `team ${counter}`, time, ...extra };
}

/** The idClient of each entry of a history, which the caller expects to hold messages only. */
export function messageIds(history: readonly HistoryEntry[]): string[] {
  return history.map((e) => (e.type === 'MessageReceived' || e.type === 'MessageSent' ? e.data.message.idClient : `(${e.type})`));
}
