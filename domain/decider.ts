import type { DomainRejection } from './errors.js';

/**
 * An aggregate as three pure functions (Emmett's decider): what the command decides given the
 * state, how an event changes the state, and the state before any event. Refusals are values.
 */
export interface Decider<C, E extends { readonly type: string }, S> {
  readonly decide: (command: C, state: S) => readonly E[] | DomainRejection;
  readonly evolve: (state: S, event: E) => S;
  readonly initialState: () => S;
}
