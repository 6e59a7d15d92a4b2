import type { MessageSentEvent } from '../../domain/events.js';
import { parseStream, sessionOfMessage, sessionStream, STREAM_ROOT } from '../../domain/identity.js';
import { messageKey, type Message } from '../../domain/message.js';
import { messageEventId } from '../write/event-ids.js';
import type { CommandMeta } from '../write/command-meta.js';
import { sessionDecider } from '../write/deciders.js';
import {
  START, StoreUnavailableError, comparePositions,
  type EventStore, type Position, type RecordedEvent, type Subscription,
} from '../ports/event-store.js';
import type { ProjectionRunner } from '../read/projection-runner.js';
import { PositionWaiters } from '../read/position-waiters.js';
import type { StreamPipeline } from '../write/command-handler.js';

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
  private readonly deadLetters: DeadLetter[] = [];
  private readonly failed = new Map<string, PeerDeliveryError>();

  constructor(
    private readonly store: EventStore,
    private readonly pipeline: StreamPipeline,
    private readonly runner: ProjectionRunner,
  ) {}

  async start(): Promise<void> {
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
      if (!this.stopping) console.error('session-ledger: peer delivery stopped;', error instanceof Error ? error.message : error);
      this.waiters.fail(error);
    });
    await this.subscription.caughtUp;
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
      this.deadLetters.push({ stream: event.streamName, revision: event.revision.toString() });
      this.failed.set(positionKey(event.position), failure);
      // Only a send still waiting reads its failure, right away: keep the recent ones.
      if (this.failed.size > FAILURES_KEPT) this.failed.delete(this.failed.keys().next().value!);
      console.error(`session-ledger: ${failure.message}`);
    }
  }

  /** Records the message in the peer's list; throws when it cannot. */
  private async deliver(event: RecordedEvent): Promise<void> {
    const owner = parseStream(event.streamName);
    const { message, device } = event.data as MessageSentEvent['data'];
    if (owner?.kind !== 'session' || message.scene !== 'p2p' || message.to === owner.account) return;
    await this.record(owner.account, message, device, event.metadata as unknown as CommandMeta, event.id);
  }

  /**
   * For a send that appended nothing (a retry, or the same message again): make sure the peer has
   * it, under the id the reactor uses for it, so this is a no-op when it was delivered already.
   */
  async deliverAgain(sender: string, message: Message, meta: CommandMeta): Promise<void> {
    const senderStream = sessionStream(sender, sessionOfMessage(sender, message).id);
    await this.record(sender, message, meta.device, meta, messageEventId(senderStream, messageKey(message)));
  }

  private async record(sender: string, message: Message, device: string, meta: CommandMeta, sentEventId: string): Promise<void> {
    const peer = message.to;
    const command = { type: 'RecordMessages', device, messages: [{ message, delivery: 'online' }] } as const;
    // Its own command id, derived from the MessageSent event: the peer's own commands can never collide with it.
    const deliveryMeta = { ...meta, commandId: `peer-delivery:${sentEventId}`, commandType: 'PeerDelivery', causationId: sentEventId };
    for (let backoff = 50; ; backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
      try {
        const { position } = await this.pipeline.run(sessionStream(peer, sessionOfMessage(peer, message).id), sessionDecider(peer), command, deliveryMeta);
        await this.runner.waitFor(position);
        return;
      } catch (error) {
        // Waiting helps only while the store is unreachable, and only until the ledger closes.
        if (this.stopping || !(error instanceof StoreUnavailableError)) {
          throw new PeerDeliveryError(`message ${message.idClient} from ${sender} is committed but not yet in ${peer}'s list; it is delivered when it is sent again or a ledger opens on this store again`, error);
        }
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
    }
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
    await this.store.writeCheckpoint(PEER_DELIVERY_CHECKPOINT, { position: this.handled, state: { deadLetters: this.deadLetters } }).catch((error) => {
      console.warn(`session-ledger: could not save the peer-delivery checkpoint (${error instanceof Error ? error.message : String(error)}); it will resume from the previous one`);
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
