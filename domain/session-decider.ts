import type { Decider } from './decider.js';
import { DomainRejection } from './errors.js';
import type { DeletionPoint, Login, MarkScope, SessionEvent } from './events.js';
import { isCounting, isOutgoing, messageKey, type Delivery, type Message } from './message.js';
import { SessionRef } from './session-ref.js';
import { evolve, holds, initialSessionState, isVisibleOn, markKey, type SessionState } from './session-state.js';
import { partsBySize } from './event-size.js';

/** What a session stream can be asked to do. */
export type SessionCommand =
  | { readonly type: 'RecordMessages'; readonly device: string; readonly messages: readonly { readonly message: Message; readonly delivery: Delivery }[] }
  /** `all`: part of a reset of every session (S4.4), which moves only marks not at the newest message already */
  | { readonly type: 'ResetUnread'; readonly device: string; readonly scope: MarkScope; readonly login?: Login; readonly all?: true }
  | { readonly type: 'RecordReceipt'; readonly reader: string; readonly msgReceiptTime: number }
  | { readonly type: 'Insert'; readonly device: string; readonly updateTime: number; readonly login?: Login }
  | { readonly type: 'UpdateLocalCustom'; readonly device: string; readonly localCustom: string; readonly login?: Login }
  /** `login`: the deleting device's (local); `logins`: every device's, for the inserts that still hold (server) */
  | { readonly type: 'Delete'; readonly scope: 'local' | 'server'; readonly device: string; readonly login?: Login; readonly logins?: ReadonlyMap<string, Login> }
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
 * S7.5: the deletion point is the session's newest message when the delete is recorded; for a
 * session with no message, its updateTime (the greatest of the inserts' `updateTimes` given). No
 * point: there is nothing to delete.
 */
function deletionPoint(state: SessionState, updateTimes: readonly number[]): DeletionPoint | undefined {
  if (state.newestTime !== undefined) return { time: state.newestTime, message: state.newestKey! };
  return updateTimes.length > 0 ? { time: Math.max(...updateTimes) } : undefined;
}

function decideDelete(state: SessionState, { scope, device, login = 0, logins = new Map<string, Login>() }: Extract<SessionCommand, { type: 'Delete' }>): Decision {
  let point: DeletionPoint | undefined;
  if (scope === 'local') {
    if (!isVisibleOn(state, device, login)) return []; // S7.3: unknown ids succeed
    const inserted = state.insertedOn.get(device);
    point = deletionPoint(state, holds(inserted, login) ? [inserted.value] : []);
  } else {
    // S7.4: gone from every list already (an insert on some device included), it changes nothing.
    const shown = state.exists && !state.hiddenEverywhere;
    const inserts = [...state.insertedOn].filter(([on, fact]) => holds(fact, logins.get(on) ?? 0)).map(([, fact]) => fact.value);
    if (!shown && inserts.length === 0) return [];
    point = deletionPoint(state, inserts);
  }
  if (!point) return [];
  const data = { sessionId: state.sessionId, scope, device, point };
  return [{ type: 'SessionDeleted', data: scope === 'local' ? { ...data, login } : data }];
}

function decideReset(state: SessionState, { device, scope, login = 0, all }: Extract<SessionCommand, { type: 'ResetUnread' }>): Decision {
  if (!isVisibleOn(state, device, login)) return []; // S4.6
  // S4.4: a mark at the newest message already has nothing to move to.
  if (all && (state.messages === 0 || state.readUpTo.get(markKey(scope, device)) === state.messages)) return [];
  const data = { sessionId: state.sessionId, device, scope, mark: state.newestTime ?? 0 };
  return [{ type: 'SessionReset', data: all ? { ...data, all } : data }];
}

/**
 * The session aggregate's decisions. Pure: everything it needs (device, its login, mark scope,
 * the insert's update time) arrives in the command; the account is in the state.
 */
export function decide(command: SessionCommand, state: SessionState): Decision {
  const sessionId = state.sessionId;
  switch (command.type) {
    case 'RecordMessages':
      return recordMessages(state, command);
    case 'ResetUnread':
      return decideReset(state, command);
    case 'RecordReceipt': {
      if (state.scene !== 'p2p') return new DomainRejection('ReceiptOnTeamSession', `read receipts exist for p2p sessions only, not for ${sessionId} (S5.2)`);
      if (!state.exists) return []; // S5.2: nothing to mark
      if (command.msgReceiptTime <= (state.msgReceiptTime ?? -Infinity)) return []; // max wins
      return [{ type: 'ReceiptReceived', data: { sessionId, reader: command.reader, msgReceiptTime: command.msgReceiptTime } }];
    }
    case 'Insert': {
      if (isVisibleOn(state, command.device, command.login ?? 0)) {
        return new DomainRejection('SessionAlreadyExists', `session ${sessionId} already exists in this list; insertLocalSession creates only missing sessions (S7.1)`);
      }
      const { device, updateTime, login = 0 } = command;
      return [{ type: 'SessionInserted', data: { sessionId, scene: state.scene, to: state.to, device, updateTime, login } }];
    }
    case 'UpdateLocalCustom':
      if (!isVisibleOn(state, command.device, command.login ?? 0)) return [];
      return [{ type: 'LocalCustomUpdated', data: { sessionId, device: command.device, localCustom: command.localCustom, login: command.login ?? 0 } }];
    case 'Delete':
      return decideDelete(state, command);
    case 'SyncOfflineBatch': {
      // messages older than a server deletion's point never count (the fold checks the point exactly)
      const floor = state.serverDeleted?.time ?? -Infinity;
      const keys = [...new Set(
        command.messages
          .filter((m) => isCounting(state.account, m) && m.time >= floor && inSession(state, m))
          .map(messageKey),
      )];
      // issue 9: a long batch in several events, each inside one append
      return partsBySize(keys).map((part, i): SessionEvent => {
        const data = { sessionId, device: command.device, keys: part };
        return { type: 'OfflineBatchSynced', data: i === 0 ? data : { ...data, part: i } };
      });
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
