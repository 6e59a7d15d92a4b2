import type { ReadAllOptions, ReadStreamOptions } from '../../../application/ports/event-store.js';
import type { StreamState } from './append-rules.js';

/** The revisions a readStream returns: low..high inclusive, in `direction`, the first `limit` of them. */
export interface StreamRange {
  readonly forwards: boolean;
  readonly low: bigint;
  readonly high: bigint;
  readonly limit: number;
}

/** Resolves 'start'/'end' and hides soft-deleted revisions (those below `visibleFrom`). */
export function streamRange(options: ReadStreamOptions, state: StreamState): StreamRange {
  const forwards = (options.direction ?? 'forwards') === 'forwards';
  const limit = countLimit(options.maxCount);
  const from = options.fromRevision ?? (forwards ? 'start' : 'end');
  if (forwards) {
    const start = from === 'start' ? 0n : from === 'end' ? state.lastRevision + 1n : from;
    return { forwards, low: max(start, state.visibleFrom), high: state.lastRevision, limit };
  }
  const start = from === 'end' ? state.lastRevision : from === 'start' ? 0n : from;
  return { forwards, low: state.visibleFrom, high: min(start, state.lastRevision), limit };
}

/**
 * The global positions a readAll returns. Both directions are exclusive of `fromPosition`, so the
 * last position of one page starts the next: forwards reads after it, backwards before it.
 */
export interface LogRange {
  readonly forwards: boolean;
  /** forwards: positions > bound; backwards: positions < bound, or all when undefined */
  readonly bound: bigint | undefined;
  readonly limit: number;
}

export function logRange(options: ReadAllOptions): LogRange {
  const forwards = (options.direction ?? 'forwards') === 'forwards';
  const bound = options.fromPosition?.commit ?? (forwards ? -1n : undefined);
  return { forwards, bound, limit: countLimit(options.maxCount) };
}

/** A read's maxCount, checked: a bad one is refused with what to pass instead. */
export function countLimit(maxCount: number | undefined): number {
  if (maxCount === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(maxCount) || maxCount < 0) throw new RangeError(`maxCount ${maxCount} is not a non-negative integer: pass a count like 100, or omit it`);
  return maxCount;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
