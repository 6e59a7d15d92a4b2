import { counterpartOf, parseSessionId, parseStream, sessionIdOf, sessionStreamOf } from './identity.js';
import type { Message, Scene } from './message.js';

/**
 * One session of one account's list (S1.1): its scene and peer or team, its id and its stream
 * name, worked out once per command and passed on, so no layer parses names again.
 */
export class SessionRef {
  readonly id: string;
  private streamName: string | undefined;

  private constructor(readonly account: string, readonly scene: Scene, readonly to: string) {
    this.id = sessionIdOf(scene, to);
  }

  /** The session's stream; worked out on first use (reads that only need the id never encode names). */
  get stream(): string {
    return (this.streamName ??= sessionStreamOf(this.account, this.scene, this.to));
  }

  static of(account: string, scene: Scene, to: string): SessionRef {
    return new SessionRef(account, scene, to);
  }

  /** null for a string that is not a session id (S1.1) */
  static fromId(account: string, sessionId: string): SessionRef | null {
    const parsed = parseSessionId(sessionId);
    return parsed && new SessionRef(account, parsed.scene, parsed.to);
  }

  /** S1.2: the session a message belongs to in `account`'s list. */
  static fromMessage(account: string, msg: Pick<Message, 'scene' | 'from' | 'to'>): SessionRef {
    return new SessionRef(account, msg.scene, counterpartOf(account, msg));
  }

  /** null for a stream that is not a session stream of the ledger */
  static fromStream(stream: string): SessionRef | null {
    const parsed = parseStream(stream);
    return parsed?.kind === 'session' ? new SessionRef(parsed.account, parsed.scene, parsed.to) : null;
  }
}
