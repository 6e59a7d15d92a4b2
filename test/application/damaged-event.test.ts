import { expect } from 'chai';
import { applyRecorded } from '../../application/read/event-log.js';
import { StoreCorruptError, type RecordedEvent } from '../../application/ports/event-store.js';
import { sessionStreamOf } from '../../domain/identity.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';

describe('a recorded event that no longer has its type\'s shape', () => {
  it('S10.5 folding it fails with StoreCorruptError naming its position, stream and type, not a bare TypeError', () => {
    const streamName = sessionStreamOf('alice', 'p2p', 'bob');
    // what a flipped byte that still parses as JSON can leave: the message's key renamed
    const event: RecordedEvent = {
      id: '00000000-0000-4000-8000-000000000001', type: 'MessageReceived', streamName, revision: 0n,
      position: { commit: 7n, prepare: 7n }, data: { sessionId: 'p2p-bob', mess4ge: {} }, metadata: {},
    };
    let error: unknown;
    try {
      applyRecorded(new SessionListProjection(), event);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(StoreCorruptError);
    const message = (error as Error).message;
    expect(message).to.include('position 7').and.include(JSON.stringify(streamName)).and.include('MessageReceived');
    expect((error as StoreCorruptError).cause).to.be.instanceOf(TypeError);
  });
});
