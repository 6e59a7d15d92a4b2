import { expect } from 'chai';
import { Ledger } from '../../application/api/ledger.js';
import { ValidationError } from '../../application/errors.js';
import { DeleteLocalSession, InsertLocalSession, ReceiveMessage, RegisterDevice, SendMessage } from '../../application/write/commands/index.js';
import { MAX_APPEND_BYTES, MAX_ID_LENGTH, MAX_SESSION_ID_LENGTH, MAX_TEXT_LENGTH } from '../../domain/event-size.js';
import type { Message } from '../../domain/message.js';
import { MemoryEventStore } from '../../infrastructure/store/memory/memory-store.js';
import { p2p, team } from '../support/messages.js';
import { rejection } from '../support/rejection.js';

/** An id of `length` UTF-16 units. */
const id = (length: number, letter = 'x') => letter.repeat(length);

// Validation is the command bus's, before any store is asked: the memory store shows it for all.
describe('S10.1 ids are at most MAX_ID_LENGTH UTF-16 units (session ids MAX_SESSION_ID_LENGTH)', () => {
  let store: MemoryEventStore;
  let ledger: Ledger;
  beforeEach(async () => {
    store = new MemoryEventStore();
    ledger = await Ledger.open({ store, clock: () => 1_000_000 });
  });
  afterEach(() => ledger.close());

  const log = async () => (await store.readAll()).map((e) => `${e.streamName} ${e.type} ${e.position}`);
  /** Rejects with a ValidationError whose every entry is a maxLength, and appends nothing; returns the fields named. */
  async function refused(work: () => Promise<unknown>): Promise<string[]> {
    const before = await log();
    const error = await rejection(work());
    expect(error).to.be.instanceOf(ValidationError);
    expect(await log()).to.deep.equal(before);
    const errors = (error as ValidationError).errors;
    for (const e of errors) expect(e.constraints['maxLength'], e.field).to.contain(`${e.field} must be at most`);
    return errors.map((e) => e.field).sort();
  }

  it('S10.1 the limits: 1,024 units for an id, 1,034 for a session id (superTeam- and an id)', () => {
    expect(MAX_ID_LENGTH).to.equal(1_024);
    expect(MAX_SESSION_ID_LENGTH).to.equal('superTeam-'.length + 1_024);
  });

  it('S10.1 account and device: the limit passes, one unit more is refused naming the field (dispatch and ledger.account)', async () => {
    const message = (account: string) => p2p('bob', account, 5);
    const longAccount = id(MAX_ID_LENGTH + 1);
    expect(await refused(() => ledger.commands.dispatch(new ReceiveMessage({ account: longAccount, message: message(longAccount) })))).to.deep.equal(['account', 'message.to']);
    expect(await refused(() => ledger.commands.dispatch(new ReceiveMessage({ account: 'alice', device: id(MAX_ID_LENGTH + 1), message: message('alice') })))).to.deep.equal(['device']);
    expect(await refused(() => ledger.commands.dispatch(new RegisterDevice({ account: 'alice', device: id(MAX_ID_LENGTH + 1) })))).to.deep.equal(['device']);
    const thrown = (work: () => unknown) => {
      try {
        work();
      } catch (error) {
        expect(error).to.be.instanceOf(ValidationError);
        return (error as ValidationError).errors.map((e) => [e.field, Object.keys(e.constraints)]);
      }
      throw new Error('expected a ValidationError');
    };
    expect(thrown(() => ledger.account(longAccount))).to.deep.equal([['accountId', ['maxLength']]]);
    expect(thrown(() => ledger.account('alice', { device: id(MAX_ID_LENGTH + 1) }))).to.deep.equal([['options.device', ['maxLength']]]);
    const atLimit = id(MAX_ID_LENGTH, 'a');
    const view = ledger.account(atLimit, { device: id(MAX_ID_LENGTH, 'd') });
    expect((await view.receiveMessage(message(atLimit)))!.unread).to.equal(1);
  });

  it('S10.1 a message\'s from, to, idClient, idServer and type: the limit passes, one unit more is refused naming message.<field>', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    const cases: [keyof Message, (value: string) => Message][] = [
      ['from', (v) => p2p(v, 'alice', 10)],
      ['to', (v) => team('bob', v, 10)],
      ['idClient', (v) => p2p('bob', 'alice', 10, { idClient: v })],
      ['idServer', (v) => p2p('bob', 'alice', 10, { idServer: v })],
      ['type', (v) => p2p('bob', 'alice', 10, { type: v })],
    ];
    for (const [field, make] of cases) {
      expect(await refused(() => alice.receiveMessage(make(id(MAX_ID_LENGTH + 1)))), field).to.deep.equal([`message.${field}`]);
      const session = await alice.receiveMessage(make(id(MAX_ID_LENGTH, field[0])));
      expect(session!.lastMsg![field], field).to.equal(id(MAX_ID_LENGTH, field[0]));
    }
    // a send records the sender's copy and the peer's: neither step runs
    expect(await refused(() => alice.sendMessage(p2p('alice', 'bob', 11, { idClient: id(MAX_ID_LENGTH + 1) })))).to.deep.equal(['message.idClient']);
    expect(await refused(() => ledger.commands.dispatch(new SendMessage({ account: 'alice', message: p2p('alice', id(MAX_ID_LENGTH + 1), 11) })))).to.deep.equal(['message.to']);
    expect(await refused(() => alice.sendMsgReceipt({ msg: p2p('bob', 'alice', 10, { idServer: id(MAX_ID_LENGTH + 1) }) }))).to.deep.equal(['msg.idServer']);
  });

  it('S10.1 a surrogate pair counts as 2 units: 1,023 letters and an emoji are refused, 512 emoji are taken', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    const over = `${id(MAX_ID_LENGTH - 1)}😀`;
    expect(over.length).to.equal(MAX_ID_LENGTH + 1);
    expect(await refused(() => alice.receiveMessage(p2p('bob', 'alice', 1, { idClient: over })))).to.deep.equal(['message.idClient']);
    const emoji = '😀'.repeat(MAX_ID_LENGTH / 2);
    expect((await alice.receiveMessage(p2p('bob', 'alice', 2, { idClient: emoji })))!.lastMsg!.idClient).to.equal(emoji);
  });

  it('S10.1 ids inside batches are named by index: roaming, offline, deleteSessions, deleteLocalSession; nothing of the batch is recorded', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    const long = id(MAX_ID_LENGTH + 1);
    expect(await refused(() => alice.syncMessages({ roaming: [p2p('bob', 'alice', 1)], offline: [p2p('bob', 'alice', 2), p2p('bob', 'alice', 3, { type: long })] }))).to.deep.equal(['offline[1].type']);
    expect(await refused(() => alice.syncMessages({ roaming: [p2p(long, 'alice', 1)] }))).to.deep.equal(['roaming[0].from']);
    expect(await refused(() => alice.deleteSessions({ sessions: [{ scene: 'p2p', to: 'bob' }, { scene: 'team', to: long }] }))).to.deep.equal(['sessions[1].to']);
    const longSession = `p2p-${id(MAX_SESSION_ID_LENGTH - 3)}`;
    expect(longSession.length).to.equal(MAX_SESSION_ID_LENGTH + 1);
    expect(await refused(() => alice.deleteLocalSession({ id: ['p2p-bob', longSession, 'p2p-carol'] }))).to.deep.equal(['id[1]']);
    expect(await refused(() => ledger.commands.dispatch(new DeleteLocalSession({ account: 'alice', id: [longSession, longSession] })))).to.deep.equal(['id[0]', 'id[1]']);
  });

  it('S10.1 session ids and peers: sessionId, id and to over their limit are refused; a superTeam session with a peer at the limit can be named by its id', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    const peer = id(MAX_ID_LENGTH);
    const { session } = await alice.insertLocalSession({ scene: 'superTeam', to: peer });
    expect(session.id).to.have.length(MAX_SESSION_ID_LENGTH);
    const longSession = `${session.id}x`;
    expect(await refused(() => alice.setCurrSession(longSession))).to.deep.equal(['sessionId']);
    expect(await refused(() => alice.resetSessionUnread(longSession))).to.deep.equal(['sessionId']);
    expect(await refused(() => alice.updateLocalSession({ id: longSession, localCustom: 'c' }))).to.deep.equal(['id']);
    expect(await refused(() => alice.deleteLocalSession({ id: longSession }))).to.deep.equal(['id']);
    expect(await refused(() => alice.insertLocalSession({ scene: 'p2p', to: `${peer}x` }))).to.deep.equal(['to']);
    expect(await refused(() => alice.deleteSession({ scene: 'team', to: `${peer}x` }))).to.deep.equal(['to']);
    expect(await refused(() => ledger.commands.dispatch(new InsertLocalSession({ account: 'alice', scene: 'team', to: `${peer}x` })))).to.deep.equal(['to']);
    expect((await alice.setCurrSession(session.id))!.id).to.equal(session.id);
    expect((await alice.resetSessionUnread(session.id))!.id).to.equal(session.id);
    expect((await alice.updateLocalSession({ id: session.id, localCustom: 'c' }))!.localCustom).to.equal('c');
    await alice.deleteLocalSession({ id: [session.id] });
    expect((await alice.getLocalSessions()).sessions).to.deep.equal([]);
  });

  it('S10.1 dispatch options commandId, correlationId and causationId: the limit passes, one unit more is refused naming options.<key>', async () => {
    const command = (n: number) => new ReceiveMessage({ account: 'alice', message: p2p('bob', 'alice', n, { idClient: `o${n}` }) });
    for (const option of ['commandId', 'correlationId', 'causationId']) {
      expect(await refused(() => ledger.commands.dispatch(command(1), { [option]: id(MAX_ID_LENGTH + 1) }))).to.deep.equal([`options.${option}`]);
    }
    await ledger.commands.dispatch(command(2), { commandId: id(MAX_ID_LENGTH, 'c'), correlationId: id(MAX_ID_LENGTH, 'r'), causationId: id(MAX_ID_LENGTH, 'k') });
    const [event] = await ledger.history({ account: 'alice', sessionId: 'p2p-bob' });
    expect(event!.metadata).to.include({ commandId: id(MAX_ID_LENGTH, 'c'), correlationId: id(MAX_ID_LENGTH, 'r'), causationId: id(MAX_ID_LENGTH, 'k') });
  });

  it('S10.1 a message with every id at its limit, each unit one JSON escapes to 6 bytes, and text and custom at theirs, fits one append', async () => {
    const escaped = (length: number) => '\u0001'.repeat(length);
    const account = escaped(MAX_ID_LENGTH);
    const view = ledger.account(account, { device: escaped(MAX_ID_LENGTH) });
    const m = { scene: 'p2p' as const, from: escaped(MAX_ID_LENGTH - 1) + 'b', to: account, idClient: escaped(MAX_ID_LENGTH), idServer: escaped(MAX_ID_LENGTH), type: escaped(MAX_ID_LENGTH), text: escaped(MAX_TEXT_LENGTH), custom: escaped(MAX_TEXT_LENGTH), time: 1 };
    const options = { commandId: escaped(MAX_ID_LENGTH), correlationId: escaped(MAX_ID_LENGTH), causationId: escaped(MAX_ID_LENGTH) };
    await view.ready;
    await ledger.commands.dispatch(new ReceiveMessage({ account, device: escaped(MAX_ID_LENGTH), message: m }), options);
    const [event, ...others] = (await store.readAll()).filter((e) => e.type === 'MessageReceived');
    expect(others).to.deep.equal([]);
    expect(event!.data.message.text).to.equal(m.text);
    const bytes = Buffer.byteLength(JSON.stringify(event!.data)) + Buffer.byteLength(JSON.stringify(event!.metadata)) + event!.type.length * 2;
    expect(bytes).to.be.greaterThan(800_000).and.lessThan(MAX_APPEND_BYTES);
  });

  it('S10.1 a 10 MB idClient is a ValidationError naming message.idClient, not a refusal by the store, and nothing is appended', async () => {
    const alice = ledger.account('alice');
    await alice.ready;
    const huge = id(10 * 1024 * 1024);
    expect(await refused(() => alice.sendMessage(p2p('alice', 'bob', 1, { idClient: huge })))).to.deep.equal(['message.idClient']);
    expect(await refused(() => alice.syncMessages({ offline: [p2p('bob', 'alice', 1, { from: huge })] }))).to.deep.equal(['offline[0].from']);
  });
});
