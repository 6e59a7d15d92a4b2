import type { MessageSentEvent } from '../../domain/events.js';
import { STREAM_ROOT } from '../../domain/identity.js';
import { hasPeerCopy, messageKey, type Delivery, type Message } from '../../domain/message.js';
import { sessionDecider } from '../../domain/session-decider.js';
import { SessionRef } from '../../domain/session-ref.js';
import type { CommandMeta } from '../write/command-meta.js';
import type { CommandHandler } from '../write/command-handler.js';
import type { ReadModels } from '../write/handler-context.js';
import { errorText, type Logger } from '../ports/logger.js';
import {
  START, StoreUnavailableError, comparePositions,
  type EventStore, type Position, type RecordedEvent, type Subscription,
} from '../ports/event-store.js';
import { PositionWaiters } from '../read/position-waiters.js';

export const PEER_DELIVERY_CHECKPOINT = 'peer-delivery';
const CHECKPOINT_EVERY = 1000;
const MAX_BACKOFF_MS = 2000;
const FAILURES_KEPT = 1000;

/**
 * The ledger is the server for every account: a p2p message one account sends is also an incoming
 * message in the peer's list. The send appends to the sender's stream only (one atomic append);
 * this reactor follows committed MessageSent events from its own checkpoint and records each in the
 * peer's stream, retrying through outages. Re-delivery is harmless (message event ids are
 * deterministic and the peer's aggregate drops duplicates), so after a crash it simply resumes.
 */
export class PeerDelivery {
  private handled: Position = START;
  private subscription: Subscription | undefined;
  private sinceCheckpoint = 0;
  private stopping = false;
  private readonly waiters = new PositionWaiters();
  /** by message (sender and key): a message delivered later, however, leaves the list */
  private readonly deadLetters = new Map<string, DeadLetter>();
  private readonly failed = new Map<string, PeerDeliveryError>();
  private readonly store: EventStore;
  private readonly handler: CommandHandler;
  private readonly readModels: ReadModels;
  private readonly logger: Logger;

  constructor(parts: { store: EventStore; handler: CommandHandler; readModels: ReadModels; logger: Logger }) {
    this.store = parts.store;
    this.handler = parts.handler;
    this.readModels = parts.readModels;
    this.logger = parts.logger;
  }

  /**
   * `logRead`: a position every event up to which is already in the log (the read models' after
   * their start). Once the catch-up has passed it, the checkpoint moves there even if no message
   * was sent in between, so the next start does not scan the whole log again for MessageSent.
   */
  async start(logRead: Position = START): Promise<void> {
    const saved = await this.store.readCheckpoint(PEER_DELIVERY_CHECKPOINT);
    if (saved) {
      this.handled = saved.position;
      await this.retryDeadLetters((saved.state as { deadLetters?: DeadLetter[] } | null)?.deadLetters ?? []);
    }
    this.subscription = this.store.subscribeToAll(
      { fromPosition: this.handled, filter: { streamPrefixes: [STREAM_ROOT], eventTypePrefixes: ['MessageSent'] } },
      (events) => this.deliverAll(events),
    );
    this.subscription.done.catch((error) => {
      if (!this.stopping) this.logger.error('peer delivery stopped', { error: errorText(error) });
      this.waiters.fail(error);
    });
    await this.subscription.caughtUp;
    if (comparePositions(logRead, this.handled) > 0) {
      this.handled = logRead;
      await this.saveCheckpoint();
    }
  }

  /** Messages an earlier run could not deliver: they are tried again before anything else. */
  private async retryDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters) {
      const [event] = await this.store.readStream(letter.stream, { fromRevision: BigInt(letter.revision), maxCount: 1 });
      if (!event) continue;
      await this.deliverOrPark(event);
    }
  }

  private async deliverAll(events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'MessageSent') await this.deliverOrPark(event);
      this.handled = event.position;
      this.sinceCheckpoint++;
    }
    this.waiters.release(this.handled);
    if (this.sinceCheckpoint >= CHECKPOINT_EVERY) await this.saveCheckpoint();
  }

  /**
   * A delivery that fails for good (not an outage) is parked as a dead letter, kept in the
   * checkpoint and tried again at the next start; its send rejects, and the others go on.
   */
  private async deliverOrPark(event: RecordedEvent): Promise<void> {
    try {
      await this.deliver(event);
    } catch (error) {
      if (this.stopping) throw error; // closing: the subscription ends here, the next start resumes
      const failure = error instanceof PeerDeliveryError ? error : new PeerDeliveryError(String(error), error);
      const { message } = event.data as MessageSentEvent['data'];
      this.deadLetters.set(messageKey(message), { stream: event.streamName, revision: event.revision.toString() });
      this.failed.set(positionKey(event.position), failure);
      // Only a send still waiting reads its failure, right away: keep the recent ones.
      if (this.failed.size > FAILURES_KEPT) this.failed.delete(this.failed.keys().next().value!);
      this.logger.error(failure.message, { stream: event.streamName, revision: event.revision.toString() });
    }
  }

  /** Records the message in the peer's list; throws when it cannot. */
  private async deliver(event: RecordedEvent): Promise<void> {
    const owner = SessionRef.fromStream(event.streamName);
    const { message, device, delivery } = event.data as MessageSentEvent['data'];
    if (!owner || !hasPeerCopy(owner.account, message)) return;
    const { account, commandId, correlationId, at } = event.metadata as unknown as CommandMeta;
    await this.record(message, delivery, { account, device, commandId, commandType: 'SendMessage', correlationId, causationId: commandId, at });
  }

  /**
   * For a send that appended nothing (a retry, or the same message again): make sure the peer has
   * it, under the id the reactor uses for it, so this is a no-op when it was delivered already.
   */
  async deliverAgain(message: Message, delivery: Delivery, meta: CommandMeta): Promise<void> {
    await this.record(message, delivery, meta);
  }

  /**
   * Records the message in the peer's list, for the command `meta` describes (the sender is its
   * account). S2.5: online when the sender recorded it online, roaming when it came in a sync batch.
   */
  private async record(message: Message, senderDelivery: Delivery, meta: CommandMeta): Promise<void> {
    const { account: sender, device } = meta;
    const peer = SessionRef.fromMessage(message.to, message);
    const delivery: Delivery = senderDelivery === 'online' ? 'online' : 'roaming';
    const command = { type: 'RecordMessages', device, messages: [{ message, delivery }] } as const;
    // Its own command id, from the message: the peer's own commands can never collide with it.
    const deliveryMeta: CommandMeta = {
      commandId: `peer-delivery:${messageKey(message)}`, commandType: 'PeerDelivery',
      correlationId: meta.correlationId, causationId: meta.commandId, account: meta.account, device: meta.device, at: meta.at,
    };
    for (let backoff = 50; ; backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
      try {
        const { position } = await this.handler.handle({ stream: peer.stream, decider: sessionDecider(peer), command, meta: deliveryMeta });
        // Appended nothing: the other of the reactor and the command recorded it first, and its append
        // may not be in the read models yet (on stores that project from a subscription): wait for
        // the peer stream's last event, which is at or after that append.
        await this.readModels.waitFor(position ?? (await this.lastPosition(peer.stream)));
        this.deadLetters.delete(messageKey(message));
        return;
      } catch (error) {
        // Waiting helps only while the store is unreachable, and only until the ledger closes.
        if (this.stopping || !(error instanceof StoreUnavailableError)) {
          throw new PeerDeliveryError(`message ${message.idClient} from ${sender} is committed but not yet in ${peer.account}'s list; it is delivered when it is sent again or a ledger opens on this store again`, error);
        }
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
    }
  }

  private async lastPosition(stream: string): Promise<Position | undefined> {
    const [last] = await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    return last?.position;
  }

  /** Resolves once every MessageSent up to `position` is in its peer's list and read models. */
  async waitFor(position: Position | undefined): Promise<void> {
    await this.waiters.wait(position, this.handled);
    const failure = position && this.failed.get(positionKey(position));
    if (failure) {
      this.failed.delete(positionKey(position));
      throw failure;
    }
  }

  private async saveCheckpoint(): Promise<void> {
    this.sinceCheckpoint = 0;
    if (comparePositions(this.handled, START) === 0) return;
    await this.store.writeCheckpoint(PEER_DELIVERY_CHECKPOINT, { position: this.handled, state: { deadLetters: [...this.deadLetters.values()] } }).catch((error) => {
      this.logger.warn('could not save the peer-delivery checkpoint; it will resume from the previous one', { error: errorText(error) });
    });
  }

  /** From now on an unreachable store ends a delivery instead of being waited out. */
  stopRetrying(): void {
    this.stopping = true;
  }

  async close(): Promise<void> {
    this.stopping = true;
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription) {
      await subscription.close();
      // The batch in progress finishes (its waiters resolve); only what was never handled is left.
      await subscription.done.catch(() => undefined);
    }
    await this.saveCheckpoint();
    this.waiters.fail(new PeerDeliveryError('the ledger closed before the message reached the peer\'s list; it is delivered when a ledger opens on this store again'));
  }
}

interface DeadLetter {
  readonly stream: string;
  /** bigint as a string, for JSON */
  readonly revision: string;
}

function positionKey(p: Position): string {
  return `${p.commit}:${p.prepare}`;
}

/** A sent p2p message is committed, but its copy in the peer's list is not there yet. */
export class PeerDeliveryError extends Error {
  override readonly name = 'PeerDeliveryError';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
  }
}
