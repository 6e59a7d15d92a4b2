import type {
  AppendResult, BatchHandler, EventStore, EventToAppend, ExpectedRevision, ReadAllOptions, ReadStreamOptions,
  RecordedEvent, StoredCheckpoint, SubscribeOptions, Subscription,
} from '../../application/ports/event-store.js';
import { upcast } from './upcasters.js';

/**
 * The event-store port with every read path (streams, the global log, subscriptions) passed
 * through the upcasters, so events written with an older schema reach the code in today's shape.
 * Appends are written as they are: the ledger only ever writes the current schema.
 */
export class UpcastingEventStore implements EventStore {
  constructor(private readonly inner: EventStore) {}

  appendToStream(stream: string, events: readonly EventToAppend[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult> {
    return this.inner.appendToStream(stream, events, options);
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readStream(stream, options)).map(upcast);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readAll(options)).map(upcast);
  }

  async readStreamsWithPrefix(prefix: string): Promise<RecordedEvent[]> {
    return (await this.inner.readStreamsWithPrefix(prefix)).map(upcast);
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return this.inner.subscribeToAll(options, (events) => handler(events.map(upcast)));
  }

  deleteStream(stream: string, options?: { expectedRevision?: ExpectedRevision }): Promise<void> {
    return this.inner.deleteStream(stream, options);
  }

  tombstoneStream(stream: string, options?: { expectedRevision?: ExpectedRevision }): Promise<void> {
    return this.inner.tombstoneStream(stream, options);
  }

  readCheckpoint(name: string): Promise<StoredCheckpoint | null> {
    return this.inner.readCheckpoint(name);
  }

  writeCheckpoint(name: string, checkpoint: StoredCheckpoint): Promise<void> {
    return this.inner.writeCheckpoint(name, checkpoint);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
