import type { EventStore } from '../ports/event-store.js';
import { ProjectionRunner, type RunnerOptions } from './projection-runner.js';

/**
 * Rebuilds the read models from position 0 into `readModels` (tables in the ledger's database, or
 * in process with an optional snapshot), page by page with progress.
 */
export async function rebuildReadModels(store: EventStore, onProgress?: (events: number) => void, options: RunnerOptions = {}): Promise<{ events: number; accounts: number }> {
  const runner = new ProjectionRunner(store, options);
  try {
    return await runner.rebuild(onProgress);
  } finally {
    await runner.readModels.release?.();
  }
}
