import {
  StreamDeletedError,
  WrongExpectedVersionError,
  type EventToAppend,
  type ExpectedRevision,
} from '../../../application/ports/event-store.js';

/** What an adapter tells the rules about a stream before an append or a delete. */
export interface StreamState {
  /** revision of the last event ever written to the stream, soft-deleted ones included; -1n if none */
  readonly lastRevision: bigint;
  /** revisions below this were soft-deleted (EventStoreDB's truncate-before) */
  readonly visibleFrom: bigint;
  readonly tombstoned: boolean;
}

export const NEW_STREAM: StreamState = Object.freeze({ lastRevision: -1n, visibleFrom: 0n, tombstoned: false });

/** `write`: append at `firstRevision`; `unchanged`: write nothing and answer as of `lastRevision`. */
export type AppendDecision =
  | { readonly kind: 'write'; readonly firstRevision: bigint }
  | { readonly kind: 'unchanged'; readonly lastRevision: bigint };

/** A stream "exists" while it has events that a read returns: never written and soft-deleted streams do not. */
export function streamExists(state: StreamState): boolean {
  return state.lastRevision >= state.visibleFrom;
}

/**
 * Decides an append. The rule, EventStoreDB's in a simpler form:
 * - an event id is written to a stream at most once (soft-deleted events still count);
 * - if the batch's first id is already in the stream, at revision s, the batch is a retry: it is a
 *   no-op answering as of revision s+n-1 when its n ids sit at s..s+n-1 and the expectation is
 *   `any`, `stream_exists`, or names the place it was written at (s-1, `no_stream` for s = 0);
 *   any other retry is a WrongExpectedVersionError;
 * - otherwise the expectation must hold now (`no_stream` also holds for a soft-deleted stream,
 *   which the append re-creates) and no other id of the batch may be in the stream.
 * An empty batch only checks the expectation.
 */
export function decideAppend(
  stream: string,
  ids: readonly string[],
  expected: ExpectedRevision,
  state: StreamState,
  revisionOf: (id: string) => bigint | undefined,
): AppendDecision {
  if (state.tombstoned) throw new StreamDeletedError(stream);
  const conflict = () => new WrongExpectedVersionError(stream, expected, actualRevision(state));
  const firstId = ids[0];
  if (firstId === undefined) {
    if (!expectationHolds(state, expected)) throw conflict();
    return { kind: 'unchanged', lastRevision: state.lastRevision };
  }
  const retriedAt = revisionOf(firstId);
  if (retriedAt !== undefined) {
    const samePlace = expected === 'any' || expected === 'stream_exists' || placeBefore(expected) === retriedAt - 1n;
    const fullMatch = ids.every((id, i) => revisionOf(id) === retriedAt + BigInt(i));
    if (!samePlace || !fullMatch) throw conflict();
    return { kind: 'unchanged', lastRevision: retriedAt + BigInt(ids.length) - 1n };
  }
  if (!expectationHolds(state, expected)) throw conflict();
  if (ids.some((id) => revisionOf(id) !== undefined)) throw conflict();
  return { kind: 'write', firstRevision: state.lastRevision + 1n };
}

/** Checks a delete's or tombstone's expectation; deletes are never retries. */
export function checkDeleteExpectation(stream: string, expected: ExpectedRevision, state: StreamState): void {
  if (state.tombstoned) throw new StreamDeletedError(stream);
  if (!expectationHolds(state, expected)) throw new WrongExpectedVersionError(stream, expected, actualRevision(state));
}

/** Rejects input a caller got wrong, with what to change, before anything is checked or written. */
export function validateAppend(stream: string, events: readonly EventToAppend[], expected: ExpectedRevision): void {
  validateTarget(stream, expected);
  const seen = new Set<string>();
  for (const event of events) {
    if (typeof event.id !== 'string' || !UUID.test(event.id)) {
      throw new TypeError(`event id ${String(event.id)} in stream ${stream} is not a UUID: give every event a UUID id (e.g. crypto.randomUUID())`);
    }
    if (seen.has(event.id)) throw new TypeError(`event id ${event.id} appears twice in one append to ${stream}: give each event its own id`);
    seen.add(event.id);
    if (typeof event.type !== 'string' || event.type === '') throw new TypeError(`event ${event.id} in stream ${stream} has no type: set a non-empty type`);
    checkWellFormed(`type of event ${event.id} in stream ${preview(stream)}`, event.type);
  }
}

/**
 * Refuses text with a lone surrogate (half of a UTF-16 pair). sqlite, PostgreSQL and EventStoreDB
 * keep names as UTF-8, which turns one into U+FFFD, so two stream names differing only there would
 * silently become one stream: every store refuses them here instead, the same way.
 */
export function checkWellFormed(field: string, text: string): void {
  const lone = /\p{Surrogate}/u.exec(text);
  if (!lone) return;
  const unit = lone[0].charCodeAt(0).toString(16).toUpperCase();
  throw new TypeError(`the ${field} ${preview(text)} holds a lone surrogate (U+${unit}) at index ${lone.index}, which is not Unicode text: pass a well-formed string`);
}

/** A stream name given to a read: only its text is checked (a read of a missing stream is []). */
export function checkStreamText(stream: unknown): void {
  if (typeof stream === 'string') checkWellFormed('stream name', stream);
}

/** the start of a name, quoted and escaped, for a message */
export function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function validateTarget(stream: string, expected: ExpectedRevision): void {
  if (typeof stream !== 'string' || stream === '') throw new TypeError('the stream name is empty: name the stream');
  checkWellFormed('stream name', stream);
  if (typeof expected === 'bigint' && expected < 0n) {
    throw new RangeError(`expected revision ${expected} for ${stream} is negative: use 'no_stream' for a stream without events`);
  }
}

/** A delete's or tombstone's expectation ('any' when none is given), checked with validateTarget. */
export function checkedTarget(stream: string, options: { expectedRevision?: ExpectedRevision }): ExpectedRevision {
  const expected = options.expectedRevision ?? 'any';
  validateTarget(stream, expected);
  return expected;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function expectationHolds(state: StreamState, expected: ExpectedRevision): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return !streamExists(state);
    case 'stream_exists':
      return streamExists(state);
    default:
      return expected === state.lastRevision;
  }
}

/** the revision an exact or `no_stream` expectation says the stream ends at */
function placeBefore(expected: 'no_stream' | bigint): bigint {
  return expected === 'no_stream' ? -1n : expected;
}

/** a soft-deleted stream reports its last revision, since appends continue from it */
function actualRevision(state: StreamState): bigint | 'no_stream' {
  return state.lastRevision >= 0n ? state.lastRevision : 'no_stream';
}
