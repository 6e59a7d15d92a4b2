import { accountDecider, type AccountCommand } from '../../domain/account-decider.js';
import type { AccountEvent, SessionEvent } from '../../domain/events.js';
import { markScopeOf, type MarkScope, type UnreadMode } from '../../domain/events.js';
import { accountStream } from '../../domain/identity.js';
import { hasPeerCopy, type Delivery, type Message } from '../../domain/message.js';
import { sessionDecider, type SessionCommand } from '../../domain/session-decider.js';
import type { SessionRef } from '../../domain/session-ref.js';
import type { SessionListReader } from '../../projections/session-list/reader.js';
import type { Clock } from '../ports/clock.js';
import type { KeyLocks } from '../ports/key-locks.js';
import type { Position } from '../ports/event-store.js';
import type { CommandHandler, StepResult } from './command-handler.js';
import type { CommandMeta } from './command-meta.js';
import { Lanes } from './lanes.js';

/** What the write side needs from the read side: the read models, and a way to wait for them. */
export interface ReadModels {
  readonly reader: SessionListReader;
  waitFor(position: Position | undefined): Promise<void>;
  /** loads an account's read models before a command reads them (tables shared by processes); returns the release */
  readonly use?: ((account: string) => Promise<() => void>) | undefined;
}

/** A message as a step records it. */
type RecordedMessage = { readonly message: Message; readonly delivery: Delivery };

/** What the write side needs from peer delivery (the reactor that copies sent p2p messages). */
export interface PeerCopies {
  /** S2.5: resolves once the message a send appended (its one MessageSent, at `position`) is in the peer's list */
  sent(position: Position, message: Message, delivery: Delivery, meta: CommandMeta): Promise<void>;
  deliverAgain(message: Message, delivery: Delivery, meta: CommandMeta): Promise<void>;
}

export interface HandlerContextParts {
  readonly handler: CommandHandler;
  readonly readModels: ReadModels;
  readonly peers: PeerCopies;
  readonly clock: Clock;
  /** turns taken with the other processes on the store (none: this process is its only writer) */
  readonly locks?: KeyLocks | undefined;
  /**
   * Read models that another process's projector writes (EventStoreDB with tables in PostgreSQL):
   * reads the account from its rows again once a command's position is in them, so the command
   * answers from its own write (none: the process's own folds or writes keep the memory current).
   */
  readonly readAgain?: ((account: string) => Promise<void>) | undefined;
}

/** What every command handler may use: the one command handler, and the read models it waits on. */
export class HandlerContext {
  readonly clock: Clock;
  private readonly lanes = new Lanes();

  constructor(private readonly parts: HandlerContextParts) {
    this.clock = parts.clock;
  }

  /** The read models; handlers read through the port, never the projection itself. */
  get read(): SessionListReader {
    return this.parts.readModels.reader;
  }

  /** Loads the account's read models for a command (see ReadModels.use); returns the release, or undefined when no load is needed. */
  use(account: string): Promise<() => void> | undefined {
    return this.parts.readModels.use?.(account);
  }

  /**
   * Runs `work` alone among works on `account` that share one of `lanes`: decisions that read the
   * read models across streams (the account's top updateTime, a device's login) must not
   * interleave. In process they queue in lanes (taken in sorted order); across processes the
   * store's locks hold them while `work` runs, and the account is read again first, so it decides
   * from whatever another process recorded under the same lock.
   */
  exclusive<T>(account: string, lanes: readonly (readonly string[])[], work: () => Promise<T>): Promise<T> {
    const keys = [...new Set(lanes.map((lane) => JSON.stringify([account, ...lane])))].sort();
    const locks = this.parts.locks;
    const decide = locks ? () => locks.hold(keys, () => this.withAccount(account, work)) : work;
    return keys.reduceRight<() => Promise<T>>((inner, key) => () => this.lanes.run(key, inner), decide)();
  }

  private async withAccount<T>(account: string, work: () => Promise<T>): Promise<T> {
    const release = await this.use(account);
    try {
      return await work();
    } finally {
      release?.();
    }
  }

  /** Decides and appends a session command, and resolves once the read models include its events. */
  async session(ref: SessionRef, command: SessionCommand, meta: CommandMeta): Promise<StepResult<SessionEvent>> {
    const result = await this.parts.handler.handle({ stream: ref.stream, decider: sessionDecider(ref), command, meta });
    await this.parts.readModels.waitFor(result.position);
    await this.parts.readAgain?.(ref.account);
    return result;
  }

  async account(account: string, command: AccountCommand, meta: CommandMeta): Promise<StepResult<AccountEvent>> {
    const result = await this.parts.handler.handle({ stream: accountStream(account), decider: accountDecider(account), command, meta });
    await this.parts.readModels.waitFor(result.position);
    await this.parts.readAgain?.(account);
    return result;
  }

  /**
   * S2.5: resolves once the account's own p2p messages among `recorded` are in their peers' lists
   * too, whichever command brought them. A step of one message that appended it waits for the
   * reactor, which reports a delivery that failed for good at that position; otherwise (a batch, a
   * retry, the same message again) they are delivered now, idempotently, under the reactor's own
   * key, so whichever of the two comes second is a no-op.
   */
  peersHave(step: StepResult<SessionEvent>, recorded: readonly RecordedMessage[], meta: CommandMeta): Promise<void> | undefined {
    // the usual message is incoming: nothing to wait for, and no promise built for it
    if (!recorded.some(({ message }) => hasPeerCopy(meta.account, message))) return undefined;
    return this.copiesDelivered(step, recorded, meta);
  }

  private async copiesDelivered(step: StepResult<SessionEvent>, recorded: readonly RecordedMessage[], meta: CommandMeta): Promise<void> {
    const own = recorded.filter(({ message }) => hasPeerCopy(meta.account, message));
    // the reactor follows MessageSent events only: it can report on a step whose one event is one
    if (step.position && step.events.length === 1 && step.events[0]!.type === 'MessageSent' && own.length === 1) {
      return this.parts.peers.sent(step.position, own[0]!.message, own[0]!.delivery, meta);
    }
    for (const { message, delivery } of own) await this.parts.peers.deliverAgain(message, delivery, meta);
  }

  /**
   * A device that acts before any view registered it gets the seed's default options; registering
   * with no options never changes a device that a view registered meanwhile.
   */
  async ensureDevice(meta: CommandMeta): Promise<UnreadMode> {
    await this.deviceKnown(meta);
    return this.read.deviceMode(meta.account, meta.device)?.mode ?? 'B';
  }

  /** ensureDevice for a caller that needs no mode: undefined (nothing to wait for) when the device is known, as it nearly always is. */
  deviceKnown(meta: CommandMeta): Promise<unknown> | undefined {
    if (this.read.hasDevice(meta.account, meta.device)) return undefined;
    return this.account(meta.account, { type: 'RegisterDevice', device: meta.device, options: {} }, meta);
  }

  async markScope(meta: CommandMeta): Promise<MarkScope> {
    return markScopeOf(await this.ensureDevice(meta));
  }
}
