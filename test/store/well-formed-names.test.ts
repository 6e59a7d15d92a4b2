import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../application/errors.js';
import { onEachRawStore } from '../support/each-store.js';
import { onEachStore } from '../support/ledger-fixture.js';
import { p2p } from '../support/messages.js';
import { rejection } from '../support/rejection.js';

const anEvent = (type = 'Thing') => ({ id: randomUUID(), type, data: { n: 1 }, metadata: {} });

// Regression (issue 8): sqlite (and the esdb wire) stored a lone surrogate in a stream name as
// U+FFFD, so two different names became one stream. The shared append rules refuse them now.
onEachRawStore('S10.1 every store refuses names that are not well-formed Unicode the same way', ({ opened }) => {
  for (const [what, name] of [['a lone high surrogate', 'x\uD800y'], ['a lone low surrogate', '\uDC00']] as const) {
    it(`S10.1 a stream name with ${what}: append, read, delete and tombstone reject with a TypeError naming the stream name; nothing is written`, async () => {
      const { store } = opened();
      for (const call of [() => store.appendToStream(name, [anEvent()]), () => store.readStream(name), () => store.deleteStream(name), () => store.tombstoneStream(name)]) {
        const error = await rejection(call());
        expect(error).to.be.instanceOf(TypeError);
        expect((error as Error).message).to.match(/stream name/).and.to.match(/lone surrogate/);
      }
      expect(await store.readAll()).to.deep.equal([]);
    });
  }

  it('S10.1 an event type with a lone surrogate is refused naming the event type; nothing of the batch is written', async () => {
    const { store } = opened();
    const error = await rejection(store.appendToStream('typed', [anEvent(), anEvent('T\uD83D')]));
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.match(/type of event/).and.to.match(/lone surrogate/);
    expect(await store.readAll()).to.deep.equal([]);
  });

  it('S10.1 two names differing only in a lone surrogate never become one stream; a well-formed pair is kept as given', async () => {
    const { store } = opened();
    await rejection(store.appendToStream('x\uD800', [anEvent()]));
    await rejection(store.appendToStream('x\uDFFF', [anEvent()]));
    expect(await store.readStream('x\uFFFD')).to.deep.equal([]);
    await store.appendToStream('x\uD83D\uDE00', [anEvent()]);
    expect((await store.readStream('x\uD83D\uDE00')).map((e) => e.streamName)).to.deep.equal(['x\uD83D\uDE00']);
  });
});

onEachStore('S10.1 the API refuses ids that are not well-formed Unicode before anything is appended', ({ fx }) => {
  it('S10.1 receiveMessage and insertLocalSession name the field; the log is unchanged', async () => {
    const { ledger } = fx();
    const view = ledger.account('alice');
    await view.ready;
    const before = ledger.position();
    const received = await rejection(view.receiveMessage(p2p('b\uD800', 'alice', 1)));
    expect(received).to.be.instanceOf(ValidationError);
    expect((received as ValidationError).errors.map((e) => e.field)).to.deep.equal(['message.from']);
    const inserted = await rejection(view.insertLocalSession({ scene: 'p2p', to: '\uDC00' }));
    expect((inserted as ValidationError).errors.map((e) => e.field)).to.deep.equal(['to']);
    expect(ledger.position()).to.equal(before);
    expect((await view.getLocalSessions()).sessions).to.deep.equal([]);
  });
});
