import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreCorruptError } from '../../application/ports/event-store.js';
import { SqliteEventStore } from '../../infrastructure/store/sqlite/sqlite-store.js';
import { cleanMarkPath, markClosedCleanly } from '../../infrastructure/store/sqlite/sqlite-integrity.js';
import { rejection } from '../support/rejection.js';
import { damagePages, storeWith } from '../support/damaged-sqlite.js';

// Issue 9: quick_check at every open cost 678 ms at 1,000,000 events and grew with the file. It now
// runs only when the file is not exactly as the store's last clean close left it.
describe('issue 9: a sqlite ledger opens in a time that does not grow with the store', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ledger-clean-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a clean close leaves a mark naming the file as it was; the next open takes it away', async () => {
    const path = join(dir, 'ledger.sqlite');
    await storeWith(path, 200);
    const s = statSync(path, { bigint: true });
    expect(JSON.parse(readFileSync(cleanMarkPath(path), 'utf8'))).to.deep.equal([String(s.dev), String(s.ino), String(s.size), String(s.mtimeNs)]);
    expect(existsSync(`${path}-wal`)).to.equal(false);
    const store = SqliteEventStore.open(path);
    try {
      expect(existsSync(cleanMarkPath(path))).to.equal(false);
      expect(await store.readAll()).to.have.length(200);
    } finally {
      await store.close();
    }
    expect(existsSync(cleanMarkPath(path))).to.equal(true);
  });

  it('S10 a file written after its clean close (damaged pages) is checked at open and refused with StoreCorruptError', async () => {
    const path = join(dir, 'ledger.sqlite');
    await storeWith(path, 2_000);
    expect(existsSync(cleanMarkPath(path))).to.equal(true);
    damagePages(path);
    const error = await rejection(Promise.resolve().then(() => SqliteEventStore.open(path)));
    expect(error).to.be.instanceOf(StoreCorruptError);
    expect((error as Error).message).to.contain(path).and.to.match(/quick_check|malformed/);
    expect(existsSync(cleanMarkPath(path))).to.equal(false);
  });

  it('S10 a file another program wrote after the clean close is checked again (the mark no longer matches)', async () => {
    const path = join(dir, 'ledger.sqlite');
    await storeWith(path, 200);
    const db = new Database(path);
    db.prepare('DELETE FROM events WHERE position = 1').run();
    db.close();
    expect(existsSync(cleanMarkPath(path))).to.equal(true);
    damagePages(path); // quick_check at open is what finds it
    expect(await rejection(Promise.resolve().then(() => SqliteEventStore.open(path)))).to.be.instanceOf(StoreCorruptError);
  });

  it('S10 damage the open did not check (a mark that matches a damaged file) fails the read with StoreCorruptError, never a bare error', async () => {
    const path = join(dir, 'ledger.sqlite');
    await storeWith(path, 2_000);
    damagePages(path);
    markClosedCleanly(path); // bit rot that left the file's size and time alone
    const store = SqliteEventStore.open(path);
    try {
      const error = await rejection(store.readAll());
      expect(error).to.be.instanceOf(StoreCorruptError);
      expect((error as Error).message).to.contain(path);
      expect((error as StoreCorruptError).cause).to.have.property('code').that.matches(/^SQLITE_CORRUPT/);
    } finally {
      await store.close().catch(() => undefined);
    }
  });
});
