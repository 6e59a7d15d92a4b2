import { randomUUID } from 'node:crypto';
import type { EventStoreDBClient } from '@eventstore/db-client';
import type {
  AppendResult, EventToAppend, ExpectedRevision, ReadStreamOptions, RecordedEvent, StoredCheckpoint,
} from '../../../application/ports/event-store.js';
import { translateError, withDeadline } from './esdb-errors.js';
import { CHECKPOINT_EVENT_TYPE, checkpointStream } from './esdb-events.js';

/** What the checkpoints need of their store. */
export interface CheckpointIo {
  readonly endpoint: string;
  readonly timeoutMs: number;
  client(): EventStoreDBClient;
  read(stream: string, options: ReadStreamOptions): Promise<RecordedEvent[]>;
  append(stream: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;
}

/** Projection checkpoints on EventStoreDB: one stream per name, keeping its last event. */
export class EsdbCheckpoints {
  private readonly revisions = new Map<string, bigint>();

  constructor(private readonly io: CheckpointIo) {}

  async load(name: string): Promise<StoredCheckpoint | null> {
    const [last] = await this.io.read(checkpointStream(name), { direction: 'backwards', maxCount: 1 });
    if (!last) return null;
    this.revisions.set(name, last.revision);
    const saved = last.data as { position: { commit: bigint; prepare: bigint }; state: unknown };
    return { position: { commit: saved.position.commit, prepare: saved.position.prepare }, state: saved.state ?? null };
  }

  /**
   * Appends the checkpoint with the revision this store last saw, so two processes writing the
   * same projection's checkpoint conflict instead of overwriting each other. The stream keeps one
   * event (`$maxCount: 1`).
   */
  async save(name: string, checkpoint: StoredCheckpoint): Promise<void> {
    const stream = checkpointStream(name);
    let expected: ExpectedRevision | undefined = this.revisions.get(name);
    if (expected === undefined) {
      const [last] = await this.io.read(stream, { direction: 'backwards', maxCount: 1 });
      expected = last ? last.revision : 'no_stream';
    }
    const context = { endpoint: this.io.endpoint, operation: `writing checkpoint ${name}` };
    try {
      if (expected === 'no_stream') {
        await withDeadline(this.io.timeoutMs, context, () => this.io.client().setStreamMetadata(stream, { maxCount: 1 }, { deadline: this.io.timeoutMs }));
      }
      const { position, state } = checkpoint;
      const result = await this.io.append(
        stream,
        [{ id: randomUUID(), type: CHECKPOINT_EVENT_TYPE, data: { position: { commit: position.commit, prepare: position.prepare }, state }, metadata: {} }],
        { expectedRevision: expected },
      );
      this.revisions.set(name, result.nextExpectedRevision);
    } catch (error) {
      // the outcome may be unknown (a timeout): read the revision again next time
      this.revisions.delete(name);
      throw translateError(error, context);
    }
  }
}
