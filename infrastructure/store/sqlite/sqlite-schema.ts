import Database from 'better-sqlite3';

/**
 * The sqlite event store's tables. `visible_from` is the revision before which a soft delete hid
 * the stream's events (EventStoreDB's truncate-before); the events themselves stay in the log.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY,
  stream TEXT NOT NULL,
  revision INTEGER NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT NOT NULL,
  UNIQUE (stream, revision),
  UNIQUE (stream, id)
);
CREATE TABLE IF NOT EXISTS streams (
  name TEXT PRIMARY KEY,
  last_revision INTEGER NOT NULL,
  visible_from INTEGER NOT NULL DEFAULT 0,
  tombstoned INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS checkpoints (
  name TEXT PRIMARY KEY,
  commit_position INTEGER NOT NULL,
  prepare_position INTEGER NOT NULL,
  state TEXT NOT NULL
);
`;

/**
 * The store's read models follow only this connection's commits, so a second writer would leave
 * them silently behind: the file is locked for as long as the store is open, and a second opener
 * is refused with a clear error.
 */
function holdExclusively(db: Database.Database): void {
  db.pragma('locking_mode = EXCLUSIVE');
  db.exec('BEGIN IMMEDIATE; COMMIT;');
}

function alreadyOpen(path: string): Error {
  return new Error(`the SQLite store ${path} is already open (in another process, or another ledger in this one); the embedded store serves one process at a time: close the other, or use EventStoreDB for several processes`);
}

/** Opens (creating if missing) a database in WAL mode; integers come back as bigint, like positions. */
export function openLedgerDatabase(path: string): Database.Database {
  const db = new Database(path, { timeout: 200 });
  try {
    db.pragma('journal_mode = WAL');
    if (path !== ':memory:' && path !== '') holdExclusively(db);
    // with WAL, NORMAL fsyncs at checkpoints, not per commit: a power loss may undo the latest commits, never corrupt the file
    db.pragma('synchronous = NORMAL');
    db.defaultSafeIntegers(true);
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db.close();
    throw (error as { code?: string }).code === 'SQLITE_BUSY' ? alreadyOpen(path) : error;
  }
}
