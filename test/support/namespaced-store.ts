import type {
  AppendResult, BatchHandler, EventFilter, EventStore, EventToAppend, ExpectedRevision, ReadAllOptions,
  ReadStreamOptions, RecordedEvent, StoredCheckpoint, SubscribeOptions, Subscription,
} from '../../application/ports/event-store.js';

/**
 * Puts every stream and checkpoint of a store under a prefix, so tests with fixed account names
 * can share one persistent server (ESDB_URL) without seeing each other's events.
 */
export class NamespacedEventStore implements EventStore {
  constructor(private readonly inner: EventStore, private readonly ns: string) {}

  private filter(filter: EventFilter | undefined): EventFilter {
    return { ...filter, streamPrefixes: (filter?.streamPrefixes ?? ['']).map((p) => this.ns + p) };
  }

  private strip(e: RecordedEvent): RecordedEvent {
    return { ...e, streamName: e.streamName.slice(this.ns.length) };
  }

  appendToStream(stream: string, events: readonly EventToAppend[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult> {
    return this.inner.appendToStream(this.ns + stream, events, options);
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readStream(this.ns + stream, options)).map((e) => this.strip(e));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (await this.inner.readAll({ ...options, filter: this.filter(options.filter) })).map((e) => this.strip(e));
  }

  async readStreamsWithPrefix(prefix: string): Promise<RecordedEvent[]> {
    return (await this.inner.readStreamsWithPrefix(this.ns + prefix)).map((e) => this.strip(e));
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return this.inner.subscribeToAll({ ...options, filter: this.filter(options.filter) }, (events) => handler(events.map((e) => this.strip(e))));
  }

  deleteStream(stream: string, options?: { expectedRevision?: ExpectedRevision }): Promise<void> {
    return this.inner.deleteStream(this.ns + stream, options);
  }

  tombstoneStream(stream: string, options?: { expectedRevision?: ExpectedRevision }): Promise<void> {
    return this.inner.tombstoneStream(this.ns + stream, options);
  }

  readCheckpoint(name: string): Promise<StoredCheckpoint | null> {
    return this.inner.readCheckpoint(this.ns + name);
  }

  writeCheckpoint(name: string, checkpoint: StoredCheckpoint): Promise<void> {
    return this.inner.writeCheckpoint(this.ns + name, checkpoint);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
