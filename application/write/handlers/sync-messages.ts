import { sessionOfMessage } from '../../../domain/identity.js';
import { messageKey, type Delivery, type Message } from '../../../domain/message.js';
import type { CommandMeta } from '../command-meta.js';
import type { SyncMessages } from '../commands/message-commands.js';
import { plainMessage } from '../commands/message-input.js';
import type { HandlerContext } from '../handler-context.js';

interface Batch {
  readonly entries: Map<string, { message: Message; delivery: Delivery }>;
  readonly offline: Message[];
}

/** S3: records both batches per session, once each; a message in both counts as offline (S3.2). */
export async function syncMessages(c: SyncMessages, ctx: HandlerContext, meta: CommandMeta): Promise<string[]> {
  const mode = await ctx.ensureDevice(meta);
  await ctx.account(c.account, { type: 'StartSync', device: meta.device }, meta);
  const batches = new Map<string, Batch>();
  const add = (m: Message, delivery: Delivery) => {
    const { id } = sessionOfMessage(c.account, m);
    let batch = batches.get(id);
    if (!batch) batches.set(id, (batch = { entries: new Map(), offline: [] }));
    batch.entries.set(messageKey(m), { message: m, delivery });
    if (delivery === 'offline') batch.offline.push(m);
  };
  for (const m of c.roaming ?? []) add(plainMessage(m), 'roaming');
  for (const m of c.offline ?? []) add(plainMessage(m), 'offline');
  await Promise.all([...batches].map(async ([sessionId, batch]) => {
    const messages = [...batch.entries.values()].sort((a, b) => a.message.time - b.message.time);
    await ctx.session(c.account, sessionId, { type: 'RecordMessages', device: meta.device, messages }, meta);
    if (mode === 'C' && batch.offline.length > 0) {
      await ctx.session(c.account, sessionId, { type: 'SyncOfflineBatch', device: meta.device, messages: batch.offline }, meta);
    }
  }));
  return [...batches.keys()];
}
