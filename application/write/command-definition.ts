import type { CommandMeta } from './command-meta.js';
import type { HandlerContext } from './handler-context.js';

/** A command class and what handles it: each handler file exports one, the bus lists them once. */
export interface CommandDefinition<C, R> {
  readonly commands: readonly (abstract new (...args: never[]) => C)[];
  readonly handle: (command: C, ctx: HandlerContext, meta: CommandMeta) => Promise<R>;
}

export function defineCommand<C, R>(
  commands: readonly (abstract new (...args: never[]) => C)[],
  handle: (command: C, ctx: HandlerContext, meta: CommandMeta) => Promise<R>,
): CommandDefinition<C, R> {
  return { commands, handle };
}
