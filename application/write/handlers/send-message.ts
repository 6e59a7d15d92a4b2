import type { Session } from '../../../projections/session-list/model.js';
import { SendMessage } from '../commands/message-commands.js';
import { defineCommand } from '../command-definition.js';
import { recordOnline } from './record-online.js';

/** S2.1: one append, to the sender's stream; it resolves once the peer's list has the copy too. */
export const sendMessage = defineCommand([SendMessage], (c, ctx, meta): Promise<Session | null> => recordOnline(c.account, c.message, ctx, meta));
