import type { DeletionPoint } from './events.js';

/** The visibility and revival rule of a session on one device (S7.1, S7.3, S7.4), for the decider and the fold. */
export interface VisibilityFacts {
  /** any message was recorded */
  readonly exists: boolean;
  /** a server delete hides it on every device */
  readonly hiddenEverywhere: boolean;
  /** this device deleted it locally */
  readonly hiddenHere: boolean;
  /** this device inserted it as an empty local session: it shows here whatever else holds */
  readonly insertedHere: boolean;
}

export function isShown(facts: VisibilityFacts): boolean {
  return (facts.exists && !facts.hiddenEverywhere && !facts.hiddenHere) || facts.insertedHere;
}

/**
 * S7.5: whether a message recorded after a deletion revives the session there: its time is later
 * than the point's, or equal to a point that is a message's (which the new one follows in the
 * session's order). Message times are compared with message times only.
 */
export function revivesAfter(messageTime: number, point: DeletionPoint | undefined): boolean {
  return point !== undefined && (messageTime > point.time || (messageTime === point.time && point.message !== undefined));
}

/** The later of two deletion points: by time; at one time, a point without a message covers it whole. */
export function laterPoint(p: DeletionPoint | undefined, q: DeletionPoint): DeletionPoint {
  if (!p || q.time > p.time) return q;
  if (p.time > q.time) return p;
  return p.message === undefined ? p : q;
}
