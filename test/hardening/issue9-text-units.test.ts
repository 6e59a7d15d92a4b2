import { expect } from 'chai';
import { Ledger } from '../../application/api/ledger.js';
import { MemoryEventStore } from '../../infrastructure/store/memory/memory-store.js';
import { ValidationError } from '../../application/errors.js';
import { MAX_TEXT_LENGTH } from '../../domain/event-size.js';
import { p2p } from '../support/messages.js';
import { rejection } from '../support/rejection.js';

// The limit is documented in UTF-16 units (JavaScript's length), and the size bound it gives (at most
// 192 KiB of UTF-8 per field) holds only in that unit. class-validator's MaxLength counted a surrogate
// pair, or a character and its variation selector, as one.
describe('issue 9 review: the text limit counts UTF-16 units', () => {
  let ledger: Ledger;
  beforeEach(async () => { ledger = await Ledger.open({ store: new MemoryEventStore(), clock: () => 5_000 }); });
  afterEach(() => ledger.close());

  it('issue 9 S10.1 a text of 65,537 units (65,535 letters and one emoji) is refused naming message.text; 32,768 emoji (65,536 units) are taken', async () => {
    const alice = ledger.account('alice');
    const over = `${'x'.repeat(MAX_TEXT_LENGTH - 1)}😀`;
    expect(over.length).to.equal(65_537);
    const error = await rejection(alice.receiveMessage(p2p('bob', 'alice', 5, { text: over })));
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).errors.map((e) => e.field)).to.deep.equal(['message.text']);
    expect(await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).to.deep.equal([]);
    await alice.receiveMessage(p2p('bob', 'alice', 6, { text: '😀'.repeat(MAX_TEXT_LENGTH / 2) }));
    expect((await alice.getTotalUnread())).to.equal(1);
  });

  it('issue 9 S10.1 a custom or localCustom of letters with variation selectors over 65,536 units is refused naming the field', async () => {
    const alice = ledger.account('alice');
    const selected = '\u2764\uFE0F'.repeat(MAX_TEXT_LENGTH / 2 + 1); // 65,538 units, 196,614 bytes of UTF-8
    const custom = await rejection(alice.syncMessages({ offline: [p2p('bob', 'alice', 7, { custom: selected })] }));
    expect((custom as ValidationError).errors.map((e) => e.field)).to.deep.equal(['offline[0].custom']);
    await alice.receiveMessage(p2p('bob', 'alice', 8));
    const local = await rejection(alice.updateLocalSession({ id: 'p2p-bob', localCustom: selected }));
    expect((local as ValidationError).errors.map((e) => e.field)).to.deep.equal(['localCustom']);
    expect((await alice.getLocalSession({ sessionId: 'p2p-bob' }))?.localCustom).to.equal(undefined);
  });
});
