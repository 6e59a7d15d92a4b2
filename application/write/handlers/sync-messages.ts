import { messageKey, type Delivery, type Message } from '../../../domain/message.js';
import { SessionRef } from '../../../domain/session-ref.js';
import { SyncMessages } from '../commands/message-commands.js';
import { plainMessage } from '../commands/message-input.js';
import { defineCommand } from '../command-definition.js';
import { syncLogin } from './device-login.js';

interface Batch {
  readonly ref: SessionRef;
  readonly entries: Map<string, { message: Message; delivery: Delivery }>;
  readonly offline: Message[];
}

/**
 * S3: records both batches per session, once each; a message in both counts as offline (S3.2);
 * S2.5: the account's own p2p messages are in their peers' lists before it resolves. Resolves the session ids.
 */
export const syncMessages = defineCommand([SyncMessages], async (c, ctx, meta): Promise<string[]> => {
  const mode = await syncLogin(ctx, meta, async (m) => {
    await ctx.account(c.account, { type: 'StartSync', device: meta.device }, meta);
    return m;
  });
  const batches = new Map<string, Batch>();
  const add = (m: Message, delivery: Delivery) => {
    const ref = SessionRef.fromMessage(c.account, m);
    let batch = batches.get(ref.id);
    if (!batch) batches.set(ref.id, (batch = { ref, entries: new Map(), offline: [] }));
    batch.entries.set(messageKey(m), { message: m, delivery });
    if (delivery === 'offline') batch.offline.push(m);
  };
  for (const m of c.roaming ?? []) add(plainMessage(m), 'roaming');
  for (const m of c.offline ?? []) add(plainMessage(m), 'offline');
  await Promise.all([...batches.values()].map(async ({ ref, entries, offline }) => {
    const messages = [...entries.values()].sort((a, b) => a.message.time - b.message.time);
    const step = await ctx.session(ref, { type: 'RecordMessages', device: meta.device, messages }, meta);
    await ctx.peersHave(step, messages, meta); // S2.5: one's own messages reach the peer as roaming
    if (mode === 'C' && offline.length > 0) await ctx.session(ref, { type: 'SyncOfflineBatch', device: meta.device, messages: offline }, meta);
  }));
  return [...batches.keys()];
});
