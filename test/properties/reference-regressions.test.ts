import { expect } from 'chai';
import { openFixture, type StoreKind } from '../support/ledger-fixture.js';
import { BASE_TIME, play, type History, type MessageDef } from './history-runner.js';

/**
 * The shrunk counterexamples the reference-model comparison found (rule-divergence.js), each
 * played again as found. Accounts a, b, c; devices 0-1 are a's, 2-3 b's, 4 c's; sessions
 * 0 p2p-a, 1 p2p-b, 2 p2p-c, 3 p2p-z, 4 team-t1; people 0 a, 1 b, 2 c, 3 z.
 */
const msg = (from: number, to: number, offset = 0, team = false): MessageDef => ({ from, to, team, offset, countable: true });
const A5 = ['A', 'A', 'A', 'A', 'A'] as const;

const FOUND: Record<string, History> = {
  // the ledger recorded a server delete of a session that did not exist yet, at the ledger clock
  'S7.4 S7.5 a server delete of a session that never existed records nothing: the account\'s own message later reaches the peer\'s list': {
    modes: A5, pool: [{ ...msg(0, 0), countable: false }], ops: [{ op: 'deleteServer', dev: 2, session: 0 }, { op: 'receive', dev: 0, msg: 0 }],
  },
  // the model used no point for an empty session; SESSIONS.md S7.5 gives its updateTime
  'S7.5 an inserted session with no message is deleted at its updateTime: a message older than it does not revive it': {
    modes: A5, pool: [msg(3, 0)], ops: [{ op: 'insert', dev: 0, session: 3 }, { op: 'deleteServer', dev: 0, session: 3 }, { op: 'receive', dev: 0, msg: 0 }],
  },
  // the model kept a mode C device's marks across a sync; the S4 table: it keeps nothing across logins
  'S4 mode C a sync forgets the device\'s marks: an online message after it counts, even one older than what was read before': {
    modes: ['A', 'C', 'A', 'A', 'A'], pool: [msg(0, 0, 1, true), msg(1, 0, 0, true)],
    ops: [{ op: 'receive', dev: 0, msg: 0 }, { op: 'setCurr', dev: 1, session: 4 }, { op: 'sync', dev: 1, roaming: [], offline: [] }, { op: 'receive', dev: 0, msg: 1 }],
  },
  // the model left out a batch message first recorded online; the S4 table: unread is that sync's counting offline messages
  'S4 mode C right after a sync, unread is the sync\'s counting offline messages, one the account recorded online before included': {
    modes: ['A', 'A', 'A', 'A', 'C'], pool: [msg(0, 2)], ops: [{ op: 'open', dev: 4 }, { op: 'receive', dev: 0, msg: 0 }, { op: 'sync', dev: 4, roaming: [], offline: [0] }],
  },
};

for (const kind of ['memory', 'sqlite'] as StoreKind[]) {
  describe(`reference model regressions (${kind})`, () => {
    for (const [name, history] of Object.entries(FOUND)) {
      it(name, async () => {
        const fixture = await openFixture(kind, BASE_TIME);
        const outcome = await play(fixture.ledger, fixture.clock, history).finally(() => fixture.close());
        expect(outcome).to.deep.equal({ mismatches: [], broken: [] });
      });
    }
  });
}
