import type { Decider } from './decider.js';
import { DomainRejection } from './errors.js';
import type { MarkScope, SessionEvent } from './events.js';
import { isCounting, isOutgoing, messageKey, type Delivery, type Message } from './message.js';
import { SessionRef } from './session-ref.js';
import { evolve, initialSessionState, isVisibleOn, type SessionState } from './session-state.js';

/** What a session stream can be asked to do. */
export type SessionCommand =
  | { readonly type: 'RecordMessages'; readonly device: string; readonly messages: readonly { readonly message: Message; readonly delivery: Delivery }[] }
  | { readonly type: 'ResetUnread'; readonly device: string; readonly scope: MarkScope }
  | { readonly type: 'RecordReceipt'; readonly reader: string; readonly msgReceiptTime: number }
  | { readonly type: 'Insert'; readonly device: string; readonly updateTime: number }
  | { readonly type: 'UpdateLocalCustom'; readonly device: string; readonly localCustom: string }
  | { readonly type: 'Delete'; readonly scope: 'local' | 'server'; readonly device: string; readonly at: number }
  | { readonly type: 'SyncOfflineBatch'; readonly device: string; readonly messages: readonly Message[] };

export type Decision = readonly SessionEvent[] | DomainRejection;

function inSession(state: SessionState, message: Message): boolean {
  return SessionRef.fromMessage(state.account, message).id === state.sessionId;
}

function recordMessages(state: SessionState, command: Extract<SessionCommand, { type: 'RecordMessages' }>): Decision {
  const { account, sessionId } = state;
  const events: SessionEvent[] = [];
  let current = state;
  for (const { message, delivery } of command.messages) {
    if (!inSession(state, message)) {
      return new DomainRejection('MessageNotInSession', `message ${message.idClient} does not belong to session ${sessionId} of ${account}`);
    }
    if (current.seen.has(messageKey(message))) continue; // S2.3: recorded once, whatever the route
    const event: SessionEvent = isOutgoing(account, message)
      ? { type: 'MessageSent', data: { sessionId, message, delivery, device: command.device } }
      : { type: 'MessageReceived', data: { sessionId, message, delivery, device: command.device, counting: isCounting(account, message) } };
    events.push(event);
    current = evolve(current, event);
  }
  return events;
}

/**
 * The session aggregate's decisions. Pure: everything it needs (device, mark scope, the ledger
 * clock for deletions, the insert's update time) arrives in the command; the account is in the state.
 */
export function decide(command: SessionCommand, state: SessionState): Decision {
  const sessionId = state.sessionId;
  switch (command.type) {
    case 'RecordMessages':
      return recordMessages(state, command);
    case 'ResetUnread': {
      if (!isVisibleOn(state, command.device)) return []; // S4.6
      return [{ type: 'SessionReset', data: { sessionId, device: command.device, scope: command.scope, mark: state.newestTime ?? 0 } }];
    }
    case 'RecordReceipt': {
      if (state.scene !== 'p2p') return new DomainRejection('ReceiptOnTeamSession', `read receipts exist for p2p sessions only, not for ${sessionId} (S5.2)`);
      if (!state.exists) return []; // S5.2: nothing to mark
      if (command.msgReceiptTime <= (state.msgReceiptTime ?? -Infinity)) return []; // max wins
      return [{ type: 'ReceiptReceived', data: { sessionId, reader: command.reader, msgReceiptTime: command.msgReceiptTime } }];
    }
    case 'Insert': {
      if (isVisibleOn(state, command.device)) {
        return new DomainRejection('SessionAlreadyExists', `session ${sessionId} already exists in this list; insertLocalSession creates only missing sessions (S7.1)`);
      }
      return [{ type: 'SessionInserted', data: { sessionId, scene: state.scene, to: state.to, device: command.device, updateTime: command.updateTime } }];
    }
    case 'UpdateLocalCustom':
      if (!isVisibleOn(state, command.device)) return [];
      return [{ type: 'LocalCustomUpdated', data: { sessionId, device: command.device, localCustom: command.localCustom } }];
    case 'Delete': {
      if (command.scope === 'local') {
        const hiddenAt = state.hiddenOn.get(command.device);
        const visible = isVisibleOn(state, command.device);
        if (!visible && (hiddenAt === undefined || hiddenAt >= command.at)) return []; // S7.3: unknown ids succeed
      } else if (state.hiddenEverywhere && (state.serverDeletedAt ?? -Infinity) >= command.at) {
        return []; // deleted already, as late as this: nothing changes
      }
      // A server delete is recorded even before the session exists: older messages must not create it later (S7.4).
      return [{ type: 'SessionDeleted', data: { sessionId, scope: command.scope, device: command.device, at: command.at } }];
    }
    case 'SyncOfflineBatch': {
      const floor = state.serverDeletedAt ?? -Infinity;
      const keys = [...new Set(
        command.messages
          .filter((m) => isCounting(state.account, m) && m.time > floor && inSession(state, m))
          .map(messageKey),
      )];
      return keys.length === 0 ? [] : [{ type: 'OfflineBatchSynced', data: { sessionId, device: command.device, keys } }];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown session command ${JSON.stringify(never)}`);
    }
  }
}

/** The session aggregate of `ref`: one session of one account's list. */
export function sessionDecider(ref: SessionRef): Decider<SessionCommand, SessionEvent, SessionState> {
  return { decide, evolve, initialState: () => initialSessionState(ref) };
}
