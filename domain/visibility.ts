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

/** A message newer than a deletion revives the session where that deletion hid it. */
export function revives(messageTime: number, deletedAt: number | undefined): boolean {
  return deletedAt !== undefined && messageTime > deletedAt;
}
