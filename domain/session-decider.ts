import { DomainRejection } from './errors.js';
import type { MarkScope, SessionEvent } from './events.js';
import { sessionOfMessage } from './identity.js';
import { isCounting, isOutgoing, messageKey, type Delivery, type Message } from './message.js';
import { evolve, isVisibleOn, type SessionState } from './session-state.js';

/** What a session stream can be asked to do; `account` is the list's owner (S1.1). */
export type SessionCommand =
  | { readonly type: 'RecordMessages'; readonly device: string; readonly messages: readonly { readonly message: Message; readonly delivery: Delivery }[] }
  | { readonly type: 'ResetUnread'; readonly device: string; readonly scope: MarkScope }
  | { readonly type: 'SetCurrent'; readonly device: string; readonly scope: MarkScope }
  | { readonly type: 'ClearCurrent'; readonly device: string }
  | { readonly type: 'RecordReceipt'; readonly reader: string; readonly msgReceiptTime: number }
  | { readonly type: 'Insert'; readonly device: string; readonly updateTime: number }
  | { readonly type: 'UpdateLocalCustom'; readonly device: string; readonly localCustom: string }
  | { readonly type: 'Delete'; readonly scope: 'local' | 'server'; readonly device: string; readonly at: number }
  | { readonly type: 'SyncOfflineBatch'; readonly device: string; readonly messages: readonly Message[] };

export type Decision = readonly SessionEvent[] | DomainRejection;

export function isRejection(decision: Decision): decision is DomainRejection {
  return decision instanceof DomainRejection;
}

function recordMessages(account: string, state: SessionState, command: Extract<SessionCommand, { type: 'RecordMessages' }>): Decision {
  const events: SessionEvent[] = [];
  let current = state;
  for (const { message, delivery } of command.messages) {
    if (sessionOfMessage(account, message).id !== state.sessionId) {
      return new DomainRejection('MessageNotInSession', `message ${message.idClient} does not belong to session ${state.sessionId} of ${account}`);
    }
    if (current.seen.has(messageKey(message))) continue; // S2.3: recorded once, whatever the route
    const event: SessionEvent = isOutgoing(account, message)
      ? { type: 'MessageSent', data: { sessionId: state.sessionId, message, delivery, device: command.device } }
      : {
          type: 'MessageReceived',
          data: {
            sessionId: state.sessionId,
            message,
            delivery,
            device: command.device,
            counting: isCounting(account, message),
            readBy: {
              devices: [...current.currentOn.keys()].sort(),
              accountWide: [...current.currentOn.values()].includes('account'),
            },
          },
        };
    events.push(event);
    current = evolve(current, event);
  }
  return events;
}

/**
 * The session aggregate's decisions. Pure: everything it needs (device, mark scope, the ledger
 * clock for deletions, the insert's update time) arrives in the command.
 */
export function decide(account: string, command: SessionCommand, state: SessionState): Decision {
  const sessionId = state.sessionId;
  switch (command.type) {
    case 'RecordMessages':
      return recordMessages(account, state, command);
    case 'ResetUnread': {
      if (!isVisibleOn(state, command.device)) return []; // S4.6
      return [{ type: 'SessionReset', data: { sessionId, device: command.device, scope: command.scope, mark: state.newestTime ?? 0 } }];
    }
    case 'SetCurrent': {
      if (!isVisibleOn(state, command.device)) return []; // S4.6
      return [{ type: 'CurrentSessionSet', data: { sessionId, device: command.device, scope: command.scope, mark: state.newestTime ?? 0 } }];
    }
    case 'ClearCurrent':
      return state.currentOn.has(command.device) ? [{ type: 'CurrentSessionCleared', data: { sessionId, device: command.device } }] : [];
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
          .filter((m) => isCounting(account, m) && m.time > floor && sessionOfMessage(account, m).id === sessionId)
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
