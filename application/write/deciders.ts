import { decideAccount, evolveAccount, initialAccountState, type AccountCommand, type AccountState } from '../../domain/account-decider.js';
import type { AccountEvent, SessionEvent } from '../../domain/events.js';
import { parseStream } from '../../domain/identity.js';
import { messageKey } from '../../domain/message.js';
import { decide, type SessionCommand } from '../../domain/session-decider.js';
import { evolve, initialSessionState, type SessionState } from '../../domain/session-state.js';
import { messageEventId } from './event-ids.js';
import type { Decider } from './command-handler.js';

/** The session aggregate of one account's list, in the pipeline's shape. */
export function sessionDecider(account: string): Decider<SessionCommand, SessionEvent, SessionState> {
  return {
    initialState(stream) {
      const parsed = parseStream(stream);
      if (parsed?.kind !== 'session') throw new Error(`not a session stream: ${stream}`);
      return initialSessionState(parsed.sessionId);
    },
    evolve,
    decide: (command, state) => decide(account, command, state),
    commandOf: (eventType) => SESSION_COMMAND_OF[eventType] ?? eventType,
    eventId(stream, event) {
      return event.type === 'MessageReceived' || event.type === 'MessageSent' ? messageEventId(stream, messageKey(event.data.message)) : undefined;
    },
  };
}

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: () => initialAccountState(),
  evolve: evolveAccount,
  decide: decideAccount,
  commandOf: (eventType) => (eventType === 'DeviceRegistered' ? 'RegisterDevice' : eventType === 'DeviceSyncStarted' ? 'StartSync' : eventType),
};

/** Which session command produces each session event. */
const SESSION_COMMAND_OF: Record<string, SessionCommand['type']> = {
  MessageReceived: 'RecordMessages',
  MessageSent: 'RecordMessages',
  SessionReset: 'ResetUnread',
  CurrentSessionSet: 'SetCurrent',
  CurrentSessionCleared: 'ClearCurrent',
  ReceiptReceived: 'RecordReceipt',
  SessionInserted: 'Insert',
  LocalCustomUpdated: 'UpdateLocalCustom',
  SessionDeleted: 'Delete',
  OfflineBatchSynced: 'SyncOfflineBatch',
};
