import { parseSessionId } from '../../domain/identity.js';
import { ValidationError, type FieldError } from '../errors.js';
import type { Position } from '../ports/event-store.js';
import { fieldProblem, isIdString, queryShapeProblems } from '../validation.js';

/** S10.1 for the audit queries: every bad field named. */
export function checkAuditQuery(name: string, query: unknown, needs: { sessionId?: boolean; at?: boolean }): void {
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const problems: FieldError[] = queryShapeProblems(query);
  if (!isIdString(q['account'])) problems.push(fieldProblem('account', q['account'], 'isNotEmpty', 'must be a non-empty string'));
  // null means absent (S10.1)
  if (q['device'] != null && !isIdString(q['device'])) problems.push(fieldProblem('device', q['device'], 'isNotEmpty', 'must be a non-empty string when given'));
  if (needs.sessionId && (!isIdString(q['sessionId']) || !parseSessionId(q['sessionId']))) {
    problems.push(fieldProblem('sessionId', q['sessionId'], 'isSessionId', 'must be a session id such as p2p-bob or team-42'));
  }
  if (needs.at && (typeof q['at'] !== 'number' || !Number.isFinite(q['at']))) problems.push(fieldProblem('at', q['at'], 'isNumber', 'must be a ledger time in ms'));
  if (problems.length > 0) throw new ValidationError(name, problems);
}

/** `ledger.position()` of the read models at `applied`: the last applied event's commit position, '-1' before any. */
export function positionText(applied: Position): string {
  return applied.commit.toString();
}

/** A position from `ledger.position()` (or an event's commit position) to wait for; a bad one is refused. */
export function positionOf(position: unknown): Position {
  if (typeof position !== 'string' || !/^-?\d+$/.test(position)) {
    throw new ValidationError('waitForPosition', [fieldProblem('position', position, 'isPosition', "must be a decimal string from ledger.position(), such as '-1' or '1234'")]);
  }
  // prepare -1: any event of that commit, or a later one, reaches it
  return { commit: BigInt(position), prepare: -1n };
}
