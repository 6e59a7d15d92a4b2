import type { AccountCommand } from '../../domain/account-decider.js';
import { markScopeOf, type MarkScope, type UnreadMode } from '../../domain/events.js';
import { accountStream, sessionStream } from '../../domain/identity.js';
import type { SessionCommand } from '../../domain/session-decider.js';
import type { SessionListProjection } from '../../projections/session-list-projection.js';
import type { CommandMeta } from './command-meta.js';
import { accountDecider, sessionDecider } from './deciders.js';
import type { Clock } from '../ports/clock.js';
import type { ProjectionRunner } from '../read/projection-runner.js';
import type { StreamPipeline } from './command-handler.js';
import { Lanes } from './lanes.js';
import type { PeerDelivery } from '../reactors/peer-delivery.js';
import type { Position } from '../ports/event-store.js';
import type { Message } from '../../domain/message.js';

/** What every command handler may use: the write pipeline and the read models it waits on. */
export class HandlerContext {
  constructor(
    private readonly pipeline: StreamPipeline,
    private readonly runner: ProjectionRunner,
    private readonly peers: PeerDelivery,
    readonly clock: Clock,
  ) {}

  private readonly lanes = new Lanes();

  /**
   * Runs `work` alone among works of the same key: decisions that read the read models across
   * streams (the device's current session, the account's top updateTime) must not interleave.
   */
  exclusive<T>(key: readonly string[], work: () => Promise<T>): Promise<T> {
    return this.lanes.run(JSON.stringify(key), work);
  }

  get read(): SessionListProjection {
    return this.runner.projection;
  }

  /** Runs a session command and resolves once the read models include its events. */
  async session(account: string, sessionId: string, command: SessionCommand, meta: CommandMeta): Promise<{ appended: number; position: Position | undefined }> {
    const { events, position } = await this.pipeline.run(sessionStream(account, sessionId), sessionDecider(account), command, meta);
    await this.runner.waitFor(position);
    return { appended: events.length, position };
  }

  /**
   * Resolves once a sent p2p message is in the peer's list too: by the reactor when the send
   * appended it, else (a retry, the same message again) by delivering it now, idempotently.
   */
  peerDelivered(position: Position | undefined, sender: string, message: Message, meta: CommandMeta): Promise<void> {
    return position ? this.peers.waitFor(position) : this.peers.deliverAgain(sender, message, meta);
  }

  async account(account: string, command: AccountCommand, meta: CommandMeta): Promise<void> {
    const { position } = await this.pipeline.run(accountStream(account), accountDecider, command, meta);
    await this.runner.waitFor(position);
  }

  /**
   * A device that acts before any view registered it gets the seed's default options; registering
   * with no options never changes a device that a view registered meanwhile.
   */
  async ensureDevice(meta: CommandMeta): Promise<UnreadMode> {
    if (!this.read.hasDevice(meta.account, meta.device)) {
      await this.account(meta.account, { type: 'RegisterDevice', device: meta.device, options: {} }, meta);
    }
    return this.read.deviceMode(meta.account, meta.device)?.mode ?? 'B';
  }

  async markScope(meta: CommandMeta): Promise<MarkScope> {
    return markScopeOf(await this.ensureDevice(meta));
  }
}
