import type { Session } from '../../../projections/session-list/model.js';
import { ReceiveMessage } from '../commands/message-commands.js';
import { defineCommand } from '../command-definition.js';
import { recordOnline } from './record-online.js';

/** S2.1: an incoming (or the account's own) message recorded online on this device; S2.5 for its own. */
export const receiveMessage = defineCommand([ReceiveMessage], (c, ctx, meta): Promise<Session | null> => recordOnline(c.account, c.message, ctx, meta));
