import { expect } from 'chai';
import type { AnyCommand, CommandResult } from '../../application/write/command-bus.js';
import type * as C from '../../application/write/commands/index.js';
import type { Session } from '../../projections/session-list/model.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// Checked by the compiler: the bus reads each result type off the one list of command definitions.
const results: [
  Equal<CommandResult<C.ReceiveMessage>, Session | null>,
  Equal<CommandResult<C.SendMessage>, Session | null>,
  Equal<CommandResult<C.SyncMessages>, string[]>,
  Equal<CommandResult<C.SetCurrentSession>, Session | null>,
  Equal<CommandResult<C.ResetSessionUnread>, Session | null>,
  Equal<CommandResult<C.ResetAllSessionUnread>, string[]>,
  Equal<CommandResult<C.ResetCurrentSession>, void>,
  Equal<CommandResult<C.InsertLocalSession>, { session: Session }>,
  Equal<CommandResult<C.UpdateLocalSession>, Session | null>,
  Equal<CommandResult<C.DeleteLocalSession>, void>,
  Equal<CommandResult<C.DeleteSession>, void>,
  Equal<CommandResult<C.DeleteSessions>, void>,
  Equal<CommandResult<C.SendMsgReceipt>, boolean>,
  Equal<CommandResult<C.RegisterDevice>, void>,
  Equal<AnyCommand, C.ReceiveMessage | C.SendMessage | C.SyncMessages | C.SetCurrentSession | C.ResetSessionUnread | C.ResetAllSessionUnread
    | C.ResetCurrentSession | C.InsertLocalSession | C.UpdateLocalSession | C.DeleteLocalSession | C.DeleteSession | C.DeleteSessions
    | C.SendMsgReceipt | C.RegisterDevice>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];

describe('S10 the command bus', () => {
  it('S10 infers every command\'s result type from its one registration (checked when the tests compile)', () => {
    expect(results.every((r) => r === true)).to.equal(true);
  });
});
