import type { Message } from '../../domain/message.js';
import type { StreamCloseReason } from './errors.js';
import { MessageStream } from './message-stream.js';
import type { StreamSettings } from './stream-settings.js';
import type { SessionHandler, Trigger } from './types.js';

export type HandlerKind = 'normal' | 'override' | 'concurrent';

export interface Registration {
  readonly trigger: Trigger;
  readonly handler: SessionHandler;
  readonly kind: HandlerKind;
  /** its streams' settings, shared with every stream of the same buffer size */
  readonly settings: StreamSettings;
  /** concurrent handlers only: the running instance per id (M2.3) */
  readonly instances: Map<string, HandlerStream>;
  /** unregistered: triggers nothing; a concurrent one still feeds its running instances */
  retired: boolean;
  /** the session manager it is registered with, told when one of its streams closes */
  readonly owner: Releaser;
}

/** Told once when a handler's stream closes. */
export interface Releaser {
  release(run: HandlerStream): void;
}

/**
 * One running handler instance: its stream, its registration and the id it runs for, so closing it
 * releases the id with no closure kept per instance.
 */
export class HandlerStream extends MessageStream<Message> {
  constructor(
    readonly registration: Registration,
    readonly id: string,
  ) {
    super(registration.settings);
  }

  protected override whenClosed(reason: StreamCloseReason): void {
    super.whenClosed(reason);
    this.registration.owner.release(this);
  }
}
