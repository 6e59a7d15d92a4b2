import { SqliteEventStore } from '../store/sqlite/sqlite-store.js';
import { SqliteReadModels, type SqliteReadModelOptions } from './sqlite-read-models.js';

/**
 * The sqlite read-model tables in a file of their own, for an event store elsewhere (EventStoreDB):
 * the file is a ledger file (one process holds it) whose log stays empty; the runner folds the
 * store's log into its tables, each batch saved with its position in one transaction. The ledger's
 * close closes the file.
 */
export class SqliteFileReadModels extends SqliteReadModels {
  static open(path: string, options: SqliteReadModelOptions = {}): SqliteFileReadModels {
    return new SqliteFileReadModels(SqliteEventStore.open(path), options);
  }

  private constructor(private readonly file: SqliteEventStore, options: SqliteReadModelOptions) {
    super(file, options);
  }

  /** Closes the file. */
  async release(): Promise<void> {
    await this.file.close();
  }
}
