import { expect } from 'chai';
import { decideAccount, initialAccountState } from '../../domain/account-decider.js';
import { LIST_EVENT_BYTES, jsonStringBytes, partsBySize } from '../../domain/event-size.js';
import { messageKey, type Message } from '../../domain/message.js';
import { given } from '../support/decider-spec.js';

const message = (i: number, idLength = 10): Message => ({ scene: 'p2p', from: 'bob', to: 'alice', idClient: `${'m'.repeat(idLength)}${i}`, type: 'text', time: 10 + i });

describe('issue 9: list-carrying events stay inside one append (domain)', () => {
  it('issue 9 jsonStringBytes is the UTF-8 length of the JSON string, escapes at their longest', () => {
    for (const text of ['', 'abc', 'é', '中文', '😀', 'a"b\\c', 'line\nbreak']) {
      expect(jsonStringBytes(text)).to.be.at.least(Buffer.byteLength(JSON.stringify(text)));
    }
    expect(jsonStringBytes('abc')).to.equal(5);
    expect(jsonStringBytes('中文😀')).to.equal(Buffer.byteLength(JSON.stringify('中文😀')));
    expect(jsonStringBytes('\u0001')).to.equal(8);
  });

  it('issue 9 partsBySize keeps the order, fills each part up to the budget as a JSON array, and gives an oversized item its own part', () => {
    const items = ['aaaa', 'bbbb', 'cccc', 'x'.repeat(30), 'dd'];
    const parts = partsBySize(items, 16);
    expect(parts).to.deep.equal([['aaaa', 'bbbb'], ['cccc'], ['x'.repeat(30)], ['dd']]);
    for (const part of parts.filter((p) => p[0]!.length < 30)) expect(Buffer.byteLength(JSON.stringify(part))).to.be.at.most(16);
    expect(partsBySize([])).to.deep.equal([]);
  });

  it('issue 9 S4 mode C: an offline batch whose keys outgrow one event is several OfflineBatchSynced, parts numbered from 1, each within LIST_EVENT_BYTES', () => {
    const messages = Array.from({ length: 2_000 }, (_, i) => message(i, 200));
    const events = given('alice', 'p2p-bob').when({ type: 'SyncOfflineBatch', device: 'laptop', messages }).events;
    expect(events.length).to.be.greaterThan(1);
    expect(events.map((e) => (e.data as { part?: number }).part)).to.deep.equal([undefined, ...events.slice(1).map((_, i) => i + 1)]);
    const keys = events.flatMap((e) => (e.type === 'OfflineBatchSynced' ? e.data.keys : []));
    expect(keys).to.deep.equal(messages.map(messageKey));
    for (const e of events) expect(Buffer.byteLength(JSON.stringify(e.type === 'OfflineBatchSynced' ? e.data.keys : []))).to.be.at.most(LIST_EVENT_BYTES);
    // a short batch is one event without a part, as before
    given('alice', 'p2p-bob').when({ type: 'SyncOfflineBatch', device: 'laptop', messages: [message(1)] })
      .then([{ type: 'OfflineBatchSynced', data: { sessionId: 'p2p-bob', device: 'laptop', keys: [messageKey(message(1))] } }]);
  });

  it('issue 9 S4.4 a reset-all choice too long for one event is recorded in several: those with unread, then the others, each within LIST_EVENT_BYTES', () => {
    const ids = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `p2p-${tag.repeat(100)}${i}`);
    const sessionIds = ids(3_000, 'u');
    const alsoMarked = ids(3_000, 'o');
    const events = decideAccount({ type: 'ResetAllUnread', device: 'phone', sessionIds, alsoMarked }, initialAccountState('alice'));
    expect(events.length).to.equal(4); // each list of ~330 KB in two parts
    const data = events.map((e) => e.data as unknown as { sessionIds: string[]; alsoMarked: string[] });
    expect(data.flatMap((d) => d.sessionIds)).to.deep.equal(sessionIds);
    expect(data.flatMap((d) => d.alsoMarked)).to.deep.equal(alsoMarked);
    for (const d of data) expect(Buffer.byteLength(JSON.stringify([...d.sessionIds, ...d.alsoMarked]))).to.be.at.most(LIST_EVENT_BYTES);
    expect(decideAccount({ type: 'ResetAllUnread', device: 'phone', sessionIds: ['p2p-a'], alsoMarked: ['p2p-b'] }, initialAccountState('alice')))
      .to.deep.equal([{ type: 'AllSessionUnreadReset', data: { device: 'phone', sessionIds: ['p2p-a'], alsoMarked: ['p2p-b'] } }]);
  });
});
