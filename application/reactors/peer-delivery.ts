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
import type { LeaseElector } from '../ports/lease.js';
import { DeadLetters, type DeadLetter } from './dead-letters.js';
import { LeasedWork } from './leased-work.js';

export const PEER_DELIVERY_CHECKPOINT = 'peer-delivery';
/** the lease whose holder runs the reactor, when processes share the store */
export const PEER_DELIVERY_LEASE = 'peer-delivery';
const CHECKPOINT_EVERY = 1000;
const MAX_BACKOFF_MS = 2000;
const FAILURES_KEPT = 1000;

export interface PeerDeliveryParts {
  readonly store: EventStore;
  readonly handler: CommandHandler;
  readonly readModels: ReadModels;
  readonly logger: Logger;
  /** leases of a store that many processes share: one of them runs the reactor */
  readonly leases?: LeaseElector | undefined;
}

/**
 * The ledger is the server for every account: a p2p message one account sends is also an incoming
 * message in the peer's list. The send appends to the sender's stream only (one atomic append);
 * this reactor follows committed MessageSent events from its own checkpoint and records each in the
 * peer's stream, retrying through outages. Re-delivery is harmless (message event ids are
 * deterministic and the peer's aggregate drops duplicates), so after a crash it simply resumes.
 *
 * On a store that many processes share (`leases`), the reactor runs in one process at a time, the
 * holder of the lease PEER_DELIVERY_LEASE, and each send records its copy itself before it resolves
 * (S2.5, whichever process holds the lease); the reactor is then only the recovery for a sender
 * that died between its append and the copy. Each message is so recorded at most twice, the
 * second time a no-op (the sender's, then the reactor's, in either order), plus one more no-op
 * for each takeover that re-reads it from the last checkpoint: never once per process.
 */
export class PeerDelivery {
  private handled: Position = START;
  private subscription: Subscription | undefined;
  private sinceCheckpoint = 0;
  /** the ledger is closing: nothing waits out an outage any more */
  private stopping = false;
  /** the reactor is stopping here (the lease was lost): its deliveries stop waiting out an outage */
  private detaching = false;
  private readonly waiters = new PositionWaiters();
  private readonly deadLetters = new DeadLetters();
  private readonly failed = new Map<string, PeerDeliveryError>();
  private readonly store: EventStore;
  private readonly handler: CommandHandler;
  private readonly readModels: ReadModels;
  private readonly logger: Logger;
  private readonly leases: LeaseElector | undefined;
  private leased: LeasedWork | undefined;

  constructor(parts: PeerDeliveryParts) {
    this.store = parts.store;
    this.handler = parts.handler;
    this.readModels = parts.readModels;
    this.logger = parts.logger;
    this.leases = parts.leases;
  }

  /**
   * `logRead`: a position every event up to which is already in the log (the read models' after
   * their start). Once the catch-up has passed it, the checkpoint moves there even if no message
   * was sent in between, so the next start does not scan the whole log again for MessageSent.
   * With leases, this only starts the campaign: the holder follows the log.
   */
  async start(logRead: Position = START): Promise<void> {
    if (!this.leases) return this.follow(logRead);
    this.leased = new LeasedWork(this.leases, PEER_DELIVERY_LEASE, { start: () => this.follow(logRead), stop: () => this.unfollow() }, this.logger);
  }

  /**
   * With leases: whether this process runs the reactor now, how often it took the lease, its first
   * catch-up, and `whenHeld()`: its catch-up under the lease held now, or the next time it holds it.
   */
  get lease(): { readonly held: boolean; readonly takenTimes: number; readonly caughtUp: Promise<void>; whenHeld(): Promise<void> } | undefined {
    const leased = this.leased;
    return leased && { held: leased.held, takenTimes: leased.takenTimes, caughtUp: leased.firstStart, whenHeld: () => leased.whenHeld() };
  }

  private async follow(logRead: Position): Promise<void> {
    this.detaching = false;
    const saved = await this.store.readCheckpoint(PEER_DELIVERY_CHECKPOINT);
    if (saved) {
      this.handled = saved.position;
      await this.retryDeadLetters(DeadLetters.of(saved.state));
    }
    const subscription = this.store.subscribeToAll(
      { fromPosition: this.handled, filter: { streamPrefixes: [STREAM_ROOT], eventTypePrefixes: ['MessageSent'] } },
      (events) => this.deliverAll(events),
    );
    this.subscription = subscription;
    subscription.done.catch((error) => {
      if (this.stopping || this.detaching || this.subscription !== subscription) return;
      this.logger.error('peer delivery stopped', { error: errorText(error) });
      if (this.leased) this.leased.workFailed();
      else this.waiters.fail(error);
    });
    await subscription.caughtUp;
    if (comparePositions(logRead, this.handled) > 0) {
      this.handled = logRead;
      await this.saveCheckpoint();
    }
  }

  /** The lease was lost or given up: the subscription ends and the checkpoint is saved. */
  private async unfollow(): Promise<void> {
    this.detaching = true;
    const subscription = this.subscription;
    this.subscription = undefined;
    if (!subscription) return;
    await subscription.close();
    // The batch in progress finishes (its waiters resolve); only what was never handled is left.
    await subscription.done.catch(() => undefined);
    await this.saveCheckpoint();
  }

  /** Messages an earlier run could not deliver: they are tried again before anything else. */
  private async retryDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters) {
      const [event] = await this.store.readStream(letter.stream, { fromRevision: BigInt(letter.revision), maxCount: 1 });
      if (!event) continue;
      await this.deliverOrPark(event, this.handled);
    }
  }

  private async deliverAll(events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'MessageSent') await this.deliverOrPark(event, this.handled);
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
  private async deliverOrPark(event: RecordedEvent, before: Position): Promise<void> {
    try {
      await this.deliver(event);
    } catch (error) {
      if (this.stopping || this.detaching) throw error; // closing: the subscription ends here, the next start resumes
      const failure = error instanceof PeerDeliveryError ? error : new PeerDeliveryError(String(error), error);
      const { message } = event.data as MessageSentEvent['data'];
      this.deadLetters.park(messageKey(message), { stream: event.streamName, revision: event.revision.toString() }, before);
      // Only a send still waiting (in this process, without leases) reads its failure, right away: keep the recent ones.
      if (!this.leases) this.failed.set(positionKey(event.position), failure);
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
    await this.record(message, delivery, { account, device, commandId, commandType: 'SendMessage', correlationId, causationId: commandId, at }, true);
  }

  /**
   * For a send that appended nothing (a retry, or the same message again): make sure the peer has
   * it, under the id the reactor uses for it, so this is a no-op when it was delivered already.
   */
  async deliverAgain(message: Message, delivery: Delivery, meta: CommandMeta): Promise<void> {
    await this.record(message, delivery, meta);
  }

  /**
   * S2.5, for a send that appended its message at `position`: resolves once the copy is in the
   * peer's list. Without leases the reactor here records it; with them the sender records it now.
   */
  async sent(position: Position, message: Message, delivery: Delivery, meta: CommandMeta): Promise<void> {
    if (this.leases) return this.record(message, delivery, meta);
    return this.waitFor(position);
  }

  /**
   * Records the message in the peer's list, for the command `meta` describes (the sender is its
   * account). S2.5: online when the sender recorded it online, roaming when it came in a sync batch.
   */
  private async record(message: Message, senderDelivery: Delivery, meta: CommandMeta, byReactor = false): Promise<void> {
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
        this.deadLetters.delivered(messageKey(message));
        return;
      } catch (error) {
        // Waiting helps only while the store is unreachable, and only until the ledger closes.
        if (this.stopping || (byReactor && this.detaching) || !(error instanceof StoreUnavailableError)) {
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
    const position = this.deadLetters.holdBack(this.handled);
    await this.store.writeCheckpoint(PEER_DELIVERY_CHECKPOINT, { position, state: this.deadLetters.state() }).catch((error) => {
      this.logger.warn('could not save the peer-delivery checkpoint; it will resume from the previous one', { error: errorText(error) });
    });
  }

  /** From now on an unreachable store ends a delivery instead of being waited out. */
  stopRetrying(): void {
    this.stopping = true;
  }

  async close(): Promise<void> {
    this.stopping = true;
    if (this.leased) await this.leased.close();
    else await this.unfollow();
    this.waiters.fail(new PeerDeliveryError('the ledger closed before the message reached the peer\'s list; it is delivered when a ledger opens on this store again'));
  }
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
