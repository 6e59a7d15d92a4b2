import type {
  AppendResult, BatchHandler, EventStore, EventToAppend, ExpectedRevision, Position, ReadAllOptions,
  ReadStreamOptions, RecordedEvent, StoredCheckpoint, SubscribeOptions, Subscription,
} from '../../application/ports/event-store.js';

/**
 * The test server gives every event a position of its own (commit = prepare). A real EventStoreDB
 * gives the events of one multi-event append one commit position and a prepare position each. This
 * store shows the log so: every event's commit position is the same (0, the extreme case) and its
 * prepare position is the server's offset, so positions are ordered as the log is and unique only
 * by both parts together. Positions given back (fromPosition, checkpoints) are mapped to the server's.
 */
export class SharedCommitStore implements EventStore {
  constructor(private readonly inner: EventStore) {}

  private out(position: Position): Position {
    return position.prepare < 0n ? position : { commit: 0n, prepare: position.prepare };
  }

  private in(position: Position | undefined): Position | undefined {
    return position && { commit: position.prepare, prepare: position.prepare };
  }

  private event(e: RecordedEvent): RecordedEvent {
    return { ...e, position: this.out(e.position) };
  }

  async appendToStream(stream: string, events: readonly EventToAppend[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult> {
    const result = await this.inner.appendToStream(stream, events, options);
    return { ...result, position: this.out(result.position) };
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return (await this.inner.readStream(stream, options)).map((e) => this.event(e));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const from = this.in(options.fromPosition);
    return (await this.inner.readAll({ ...options, ...(from && { fromPosition: from }) })).map((e) => this.event(e));
  }

  async readStreamsWithPrefix(prefix: string): Promise<RecordedEvent[]> {
    return (await this.inner.readStreamsWithPrefix(prefix)).map((e) => this.event(e));
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    const from = this.in(options.fromPosition);
    return this.inner.subscribeToAll({ ...options, ...(from && { fromPosition: from }) }, (events) => handler(events.map((e) => this.event(e))));
  }

  deleteStream(stream: string, options?: { expectedRevision?: ExpectedRevision }): Promise<void> {
    return this.inner.deleteStream(stream, options);
  }

  tombstoneStream(stream: string, options?: { expectedRevision?: ExpectedRevision }): Promise<void> {
    return this.inner.tombstoneStream(stream, options);
  }

  async readCheckpoint(name: string): Promise<StoredCheckpoint | null> {
    const saved = await this.inner.readCheckpoint(name);
    return saved && { ...saved, position: this.out(saved.position) };
  }

  writeCheckpoint(name: string, checkpoint: StoredCheckpoint): Promise<void> {
    return this.inner.writeCheckpoint(name, { ...checkpoint, position: this.in(checkpoint.position)! });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
