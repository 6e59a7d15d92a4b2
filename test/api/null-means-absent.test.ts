import { expect } from 'chai';
import { ValidationError } from '../../application/errors.js';
import { InsertLocalSession } from '../../application/write/commands/index.js';
import { onEachStore } from '../support/ledger-fixture.js';
import { p2p } from '../support/messages.js';
import { rejection } from '../support/rejection.js';

/** Every path in `value` whose value is null. */
function nullsIn(value: unknown, path = ''): string[] {
  if (value === null) return [path || '(root)'];
  if (typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => nullsIn(v, path ? `${path}.${k}` : k));
}

// Regression (issue 8): optional fields given as null were recorded as null in the events.
onEachStore('S10.1 null for an optional field means absent', ({ fx }) => {
  it('S10.1 a message whose optional fields are null is recorded without them; the session shows none', async () => {
    const { ledger } = fx();
    const view = ledger.account('alice');
    const message = { ...p2p('bob', 'alice', 10), text: null, custom: null, idServer: null, isUnreadable: null } as never;
    const session = await view.receiveMessage(message);
    const [event] = await ledger.history({ account: 'alice', sessionId: 'p2p-bob' });
    expect(nullsIn(event!.data)).to.deep.equal([]);
    expect(Object.keys((event!.data as { message: object }).message).sort()).to.deep.equal(['from', 'idClient', 'scene', 'time', 'to', 'type']);
    expect(nullsIn(session)).to.deep.equal([]);
    expect(session!.unread).to.equal(1);
  });

  it('S10.1 null options and command fields are absent: insert without updateTime, paging with the defaults, a sync with one batch', async () => {
    const { ledger } = fx();
    const view = ledger.account('alice');
    await view.ready;
    await view.insertLocalSession({ scene: 'p2p', to: 'zed', updateTime: null } as never);
    await ledger.commands.dispatch(new InsertLocalSession({ account: 'alice', scene: 'p2p', to: 'yan', updateTime: null as never, device: null as never }));
    for (const sessionId of ['p2p-zed', 'p2p-yan']) {
      for (const e of await ledger.history({ account: 'alice', sessionId })) expect(nullsIn(e.data), `${sessionId} ${e.type}`).to.deep.equal([]);
    }
    expect((await view.getLocalSessions({ limit: null, lastSessionId: null, reverse: null } as never)).sessions.map((s) => s.id).sort()).to.deep.equal(['p2p-yan', 'p2p-zed']);
    const synced = await view.syncMessages({ roaming: null, offline: [p2p('carol', 'alice', 20)] } as never);
    expect(synced.map((s) => [s.id, s.unread])).to.deep.equal([['p2p-carol', 1]]);
  });

  it('S10.1 null for a required field is a ValidationError naming it; nothing is appended', async () => {
    const { ledger } = fx();
    const view = ledger.account('alice');
    await view.ready;
    const before = ledger.position();
    const error = await rejection(view.receiveMessage({ ...p2p('bob', 'alice', 10), from: null, time: null } as never));
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.field).sort()).to.deep.equal(['message.from', 'message.time']);
    const missing = await rejection(view.receiveMessage(null as never));
    expect((missing as ValidationError).errors.map((e) => e.field)).to.deep.equal(['message']);
    expect(ledger.position()).to.equal(before);
  });

  it('S10.1 a required field left out or null is named missing, not given the checks of its type', async () => {
    const { ledger } = fx();
    const view = ledger.account('alice');
    for (const options of [{ exclude: null }, {}]) {
      const error = await rejection(view.getLocalSessionsByMsgType(options as never)) as ValidationError;
      expect(error, JSON.stringify(options)).to.be.instanceOf(ValidationError);
      expect(error.errors.map((e) => [e.field, e.constraints])).to.deep.equal([['exclude', { isDefined: 'exclude is missing' }]]);
      expect(error.message).to.contain('exclude is missing');
    }
    const error = await rejection(view.receiveMessage({ ...p2p('bob', 'alice', 10), from: null } as never)) as ValidationError;
    expect(error.errors.map((e) => [e.field, e.constraints])).to.deep.equal([['message.from', { isDefined: 'message.from is missing' }]]);
    // a value of the wrong type still gets its type's checks
    const wrong = await rejection(view.getLocalSessionsByMsgType({ exclude: 5 } as never)) as ValidationError;
    expect(Object.keys(wrong.errors[0]!.constraints)).to.include('isArray');
  });
});

// Review (issue 8): two optional fields still refused null.
describe('S10.1 null means absent for the audit queries\' device and a method\'s done (review)', () => {
  it('S10.1 sessionsAt and timeline with device: null read the default device, as when it is left out', async () => {
    const { createLedger } = await import('../../infrastructure/create-ledger.js');
    const ledger = await createLedger({ store: 'memory', clock: () => 1_000 });
    try {
      await ledger.account('alice').receiveMessage(p2p('bob', 'alice', 10));
      const absent = await ledger.sessionsAt({ account: 'alice', at: 2_000 });
      expect(absent.map((s) => [s.id, s.unread])).to.deep.equal([['p2p-bob', 1]]);
      expect(await ledger.sessionsAt({ account: 'alice', device: null as unknown as string, at: 2_000 })).to.deep.equal(absent);
      const timeline = await ledger.timeline({ account: 'alice', sessionId: 'p2p-bob' });
      expect(await ledger.timeline({ account: 'alice', sessionId: 'p2p-bob', device: null as unknown as string })).to.deep.equal(timeline);
    } finally {
      await ledger.close();
    }
  });
  it('S10.1 a view method given done: null runs as without done', async () => {
    const { createLedger } = await import('../../infrastructure/create-ledger.js');
    const ledger = await createLedger({ store: 'memory' });
    try {
      const { session } = await ledger.account('alice').insertLocalSession({ scene: 'team', to: 'ops', done: null as never });
      expect(session).to.include({ id: 'team-ops' });
      expect((await ledger.account('alice').getLocalSessions({ done: null as never })).sessions.map((s) => s.id)).to.deep.equal(['team-ops']);
    } finally {
      await ledger.close();
    }
  });
});
