import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreCorruptError } from '../../application/ports/event-store.js';
import { createLedger } from '../../infrastructure/create-ledger.js';
import { SqliteEventStore } from '../../infrastructure/store/sqlite/sqlite-store.js';
import { toHttpError } from '../../infrastructure/http/errors.js';
import { p2p } from '../support/messages.js';
import { rejection } from '../support/rejection.js';
import { damagePages, storeWith } from '../support/damaged-sqlite.js';

// Regression (issue 8): a damaged sqlite file opened without any check, and a row whose JSON no
// longer parsed failed deep in a replay with a bare SyntaxError naming nothing.
describe('S10 a damaged sqlite store fails clearly', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ledger-damage-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('S10 a file with damaged pages is refused at open with StoreCorruptError naming the file', async () => {
    const path = join(dir, 'ledger.sqlite');
    await storeWith(path, 2_000);
    damagePages(path);
    const error = await rejection(Promise.resolve().then(() => SqliteEventStore.open(path)));
    expect(error).to.be.instanceOf(StoreCorruptError);
    expect((error as StoreCorruptError).store).to.equal(`the SQLite store ${path}`);
    expect((error as Error).message).to.contain(path).and.to.match(/quick_check|malformed/);
    const viaLedger = await rejection(createLedger({ store: `sqlite:${path}` }));
    expect(viaLedger).to.be.instanceOf(StoreCorruptError);
    // the count it gives is the number of problems it lists (sqlite may return several in one row)
    const found = /quick_check found (at least )?(\d+) problems?: (.*)\. Restore/.exec((error as Error).message);
    if (found) expect(found[3]!.split('; ').length).to.equal(Number(found[2]));
  });

  it('S10 over HTTP a damaged store is answered 500 store_corrupt, not a bare internal error', () => {
    const answer = toHttpError(new StoreCorruptError('the SQLite store /x.sqlite', 'PRAGMA quick_check found 1 problem: page 3'));
    expect([answer.status, answer.code]).to.deep.equal([500, 'store_corrupt']);
  });

  it('S10 a file that is not a database at all is refused with StoreCorruptError naming the file', async () => {
    const path = join(dir, 'notes.sqlite');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200));
    const error = await rejection(createLedger({ store: `sqlite:${path}` }));
    expect(error).to.be.instanceOf(StoreCorruptError);
    expect((error as Error).message).to.contain(path).and.to.contain('SQLITE_NOTADB');
  });

  it('S10 an event whose JSON no longer parses fails reads with StoreCorruptError naming the stream and position, not a bare SyntaxError', async () => {
    const path = join(dir, 'ledger.sqlite');
    const ledger = await createLedger({ store: `sqlite:${path}` });
    await ledger.account('alice').receiveMessage(p2p('bob', 'alice', 5));
    await ledger.close();
    const db = new Database(path);
    const { position } = db.prepare("SELECT position FROM events WHERE type = 'MessageReceived'").get() as { position: number };
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run('{"message": {"scene": "p2p", "fr', position);
    db.close();
    const store = SqliteEventStore.open(path); // the file itself is sound
    try {
      const error = await rejection(store.readStream('ledger/alice/session/p2p/bob'));
      expect(error).to.be.instanceOf(StoreCorruptError);
      expect((error as Error).message).to.contain(path).and.to.contain(`position ${position}`).and.to.contain('ledger/alice/session/p2p/bob');
      expect((error as StoreCorruptError).cause).to.be.instanceOf(SyntaxError);
      expect(await rejection(store.readAll())).to.be.instanceOf(StoreCorruptError);
    } finally {
      await store.close();
    }
    // the ledger opens from its read-model snapshot; the audit reads that replay the bad event say where it is
    const reopened = await createLedger({ store: `sqlite:${path}` });
    try {
      for (const read of [() => reopened.history({ account: 'alice', sessionId: 'p2p-bob' }), () => reopened.sessionsAt({ account: 'alice', at: Date.now() })]) {
        const error = await rejection(read());
        expect(error).to.be.instanceOf(StoreCorruptError);
        expect((error as Error).message).to.contain(`position ${position}`);
      }
    } finally {
      await reopened.close();
    }
  });

  it('S10 the open-time check costs little: quick_check on a store of 20,000 events (figure printed)', async function () {
    this.timeout(60_000);
    const path = join(dir, 'ledger.sqlite');
    await storeWith(path, 20_000);
    const db = new Database(path);
    const started = performance.now();
    expect(db.pragma('quick_check', { simple: true })).to.equal('ok');
    const ms = performance.now() - started;
    db.close();
    console.log(`      quick_check: ${ms.toFixed(0)} ms for 20,000 events (${(statSync(path).size / 2 ** 20).toFixed(1)} MiB)`);
  });
});
