import { expect } from 'chai';
import { IdempotencyConflictError } from '../../application/errors.js';
import { InsertLocalSession, ReceiveMessage, UpdateLocalSession } from '../../application/write/commands/index.js';
import { onEachStore } from '../support/ledger-fixture.js';
import { p2p } from '../support/messages.js';
import { rejection } from '../support/rejection.js';

// Regression (issue 8): a commandId dispatched again with a different body returned the first
// command's result and dropped the second silently.
onEachStore('S10.2 a commandId names one command: reused with another body it is refused', ({ fx, kind }) => {
  it('S10.2 the same commandId with a different body rejects with IdempotencyConflictError naming it, appending nothing; the same body returns the first result', async () => {
    const { ledger } = fx();
    const first = p2p('bob', 'alice', 10, { idClient: 'first' });
    const result = await ledger.commands.dispatch(new ReceiveMessage({ account: 'alice', message: first }), { commandId: 'c-1' });
    const position = ledger.position();
    for (const other of [p2p('bob', 'alice', 11, { idClient: 'second' }), p2p('carol', 'alice', 12, { idClient: 'third' })]) {
      const error = await rejection(ledger.commands.dispatch(new ReceiveMessage({ account: 'alice', message: other }), { commandId: 'c-1' }));
      expect(error).to.be.instanceOf(IdempotencyConflictError);
      expect((error as IdempotencyConflictError).commandId).to.equal('c-1');
      expect((error as Error).message).to.contain('c-1').and.to.contain('ReceiveMessage');
    }
    expect(ledger.position()).to.equal(position);
    expect((await ledger.history({ account: 'alice', sessionId: 'p2p-carol' }))).to.deep.equal([]);
    expect((await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).map((e) => e.type)).to.deep.equal(['MessageReceived']);
    // a retry (the same body, its keys in another order) is the same command: its first result, no second effect
    const again = await ledger.commands.dispatch(new ReceiveMessage({ message: { ...first }, account: 'alice' }), { commandId: 'c-1' });
    expect(again).to.deep.equal(result);
    expect(ledger.position()).to.equal(position);
  });

  it('S10.2 a session command reused with another body is refused; after a reopen too (the body is in the event metadata)', async () => {
    const { ledger } = fx();
    await ledger.commands.dispatch(new InsertLocalSession({ account: 'alice', scene: 'p2p', to: 'zed' }), { commandId: 'ins' });
    await ledger.commands.dispatch(new UpdateLocalSession({ account: 'alice', id: 'p2p-zed', localCustom: 'a' }), { commandId: 'upd' });
    const position = ledger.position();
    const reopened = kind === 'memory' || kind === 'esdb-url' ? ledger : await fx().reopen();
    const error = await rejection(reopened.commands.dispatch(new UpdateLocalSession({ account: 'alice', id: 'p2p-zed', localCustom: 'b' }), { commandId: 'upd' }));
    expect(error).to.be.instanceOf(IdempotencyConflictError);
    expect((error as IdempotencyConflictError).commandType).to.equal('UpdateLocalSession');
    expect(reopened.position()).to.equal(position);
    expect(reopened.reader.getSession('alice', 'default', 'p2p-zed')?.localCustom).to.equal('a');
    await reopened.commands.dispatch(new UpdateLocalSession({ account: 'alice', id: 'p2p-zed', localCustom: 'a' }), { commandId: 'upd' });
    expect(reopened.position()).to.equal(position);
  });

  it('S10.2 commandIds are per command type: the same id on another command type is another command', async () => {
    const { ledger } = fx();
    await ledger.commands.dispatch(new InsertLocalSession({ account: 'alice', scene: 'p2p', to: 'zed' }), { commandId: 'same' });
    await ledger.commands.dispatch(new UpdateLocalSession({ account: 'alice', id: 'p2p-zed', localCustom: 'x' }), { commandId: 'same' });
    expect(ledger.reader.getSession('alice', 'default', 'p2p-zed')?.localCustom).to.equal('x');
  });
});

// Review (issue 8): the digest was taken of the command as written, so a retry that named the
// default device the first dispatch left out (or the reverse) was refused as another command.
onEachStore('S10.2 a retry is the same command however it spells its defaults', ({ fx }) => {
  it('S10.2 the same commandId with device left out, then given as \'default\', is one command: the retry answers, no conflict, no second effect', async () => {
    const { ledger } = fx();
    const msg = p2p('bob', 'alice', 10, { idClient: 'd1' });
    const first = await ledger.commands.dispatch(new ReceiveMessage({ account: 'alice', message: msg }), { commandId: 'dev-1' });
    const position = ledger.position();
    const again = await ledger.commands.dispatch(new ReceiveMessage({ account: 'alice', device: 'default', message: msg }), { commandId: 'dev-1' });
    expect(again).to.deep.equal(first);
    expect(ledger.position()).to.equal(position);
    const other = p2p('bob', 'alice', 11, { idClient: 'd2' });
    const error = await rejection(ledger.commands.dispatch(new ReceiveMessage({ account: 'alice', device: 'default', message: other }), { commandId: 'dev-1' }));
    expect(error).to.be.instanceOf(IdempotencyConflictError);
  });
});
