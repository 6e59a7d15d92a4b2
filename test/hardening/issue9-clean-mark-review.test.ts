import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreCorruptError } from '../../application/ports/event-store.js';
import { SqliteEventStore } from '../../infrastructure/store/sqlite/sqlite-store.js';
import { cleanMarkPath } from '../../infrastructure/store/sqlite/sqlite-integrity.js';
import { rejection } from '../support/rejection.js';
import { damagePages, storeWith } from '../support/damaged-sqlite.js';

// Issue 9 review: the clean-close mark must never make a damaged file open unchecked, whatever
// sits where the mark should be; and a mark the store cannot write must not fail close().
describe('issue 9 review: a clean-close mark that is not what the store wrote', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ledger-mark-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('issue 9 S10 a directory where the mark goes: open and close work, and damage after is still found at open', async () => {
    const path = join(dir, 'ledger.sqlite');
    await storeWith(path, 2_000);
    rmSync(cleanMarkPath(path));
    mkdirSync(cleanMarkPath(path));
    writeFileSync(join(cleanMarkPath(path), 'inside'), 'x');
    const store = SqliteEventStore.open(path);
    expect(await store.readAll()).to.have.length(2_000);
    await store.close(); // the mark cannot be written: close still resolves
    expect(statSync(cleanMarkPath(path)).isDirectory()).to.equal(true);
    damagePages(path);
    expect(await rejection(Promise.resolve().then(() => SqliteEventStore.open(path)))).to.be.instanceOf(StoreCorruptError);
  });

});

