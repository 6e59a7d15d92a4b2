import { parseSessionId } from '../../domain/identity.js';
import { ValidationError, type FieldError } from '../errors.js';
import type { Position } from '../ports/event-store.js';
import { fieldProblem } from '../validation.js';

/** S10.1 for the audit queries: every bad field named. */
export function checkAuditQuery(name: string, query: unknown, needs: { sessionId?: boolean; at?: boolean }): void {
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const problems: FieldError[] = [];
  if (typeof q['account'] !== 'string' || q['account'] === '') problems.push(fieldProblem('account', q['account'], 'isNotEmpty', 'must be a non-empty string'));
  if (q['device'] !== undefined && (typeof q['device'] !== 'string' || q['device'] === '')) problems.push(fieldProblem('device', q['device'], 'isNotEmpty', 'must be a non-empty string when given'));
  if (needs.sessionId && (typeof q['sessionId'] !== 'string' || !parseSessionId(q['sessionId']))) {
    problems.push(fieldProblem('sessionId', q['sessionId'], 'isSessionId', 'must be a session id such as p2p-bob or team-42'));
  }
  if (needs.at && (typeof q['at'] !== 'number' || !Number.isFinite(q['at']))) problems.push(fieldProblem('at', q['at'], 'isNumber', 'must be a ledger time in ms'));
  if (problems.length > 0) throw new ValidationError(name, problems);
}

/** `ledger.position()` of the read models at `applied`: its commit position plus one, '0' before any. */
export function positionAfter(applied: Position): string {
  return (applied.commit + 1n).toString();
}

/** The last event a position from `ledger.position()` covers (START for '0'); a bad one is refused. */
export function positionBefore(position: unknown): Position | undefined {
  if (typeof position !== 'string' || !/^\d+$/.test(position)) {
    throw new ValidationError('waitForPosition', [fieldProblem('position', position, 'isPosition', "must be a decimal string from ledger.position(), such as '0' or '1234'")]);
  }
  const commit = BigInt(position) - 1n;
  return commit < 0n ? undefined : { commit, prepare: 0n };
}
