import { expect } from 'chai';
import { DomainRejection } from '../../domain/errors.js';
import type { SessionEvent } from '../../domain/events.js';
import { decide, type SessionCommand } from '../../domain/session-decider.js';
import { SessionRef } from '../../domain/session-ref.js';
import { foldSession } from '../../domain/session-state.js';

/** given(events).when(command).then(events) for the session decider of `account`. */
export function given(account: string, sessionId: string, events: SessionEvent[] = []) {
  return {
    when(command: SessionCommand) {
      const decision = decide(command, foldSession(SessionRef.fromId(account, sessionId)!, events));
      return {
        then(expected: SessionEvent[]): void {
          expect(decision).to.deep.equal(expected);
        },
        thenRejects(code: DomainRejection['code']): void {
          expect(decision).to.be.instanceOf(DomainRejection);
          expect((decision as DomainRejection).code).to.equal(code);
        },
        thenNothingHappened(): void {
          expect(decision).to.deep.equal([]);
        },
        get events(): SessionEvent[] {
          return decision as SessionEvent[];
        },
      };
    },
  };
}
