export { MessageInput } from './message-input.js';
export { ReceiveMessage, SendMessage, SyncMessages } from './message-commands.js';
export { SetCurrentSession, ResetSessionUnread, ResetAllSessionUnread, ResetCurrentSession } from './unread-commands.js';
export { InsertLocalSession, UpdateLocalSession, DeleteLocalSession, DeleteSession, DeleteSessions, SessionRef } from './list-commands.js';
export { SendMsgReceipt } from './receipt-commands.js';
export { RegisterDevice } from './device-commands.js';
