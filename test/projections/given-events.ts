import { expect } from 'chai';
import type { LedgerEvent } from '../../domain/events.js';
import { SessionListProjection } from '../../projections/session-list/projection.js';
import type { SessionListReader } from '../../projections/session-list/reader.js';

/** Every view of the read model: each device's list (most recent first) and total unread. */
export function allViews(reader: SessionListReader): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const account of reader.accountIds().sort()) {
    for (const device of reader.devicesOf(account).sort()) {
      out[`${account}/${device}`] = { list: reader.allSessions(account, device), total: reader.totalUnread(account, device), current: reader.currentSession(account, device) };
    }
  }
  return out;
}

/**
 * given(events).then(views) for the session-list projection, Emmett's projection spec: the events
 * of `account`'s streams in log order; `then` checks the views, then folds the same events again
 * and checks that nothing changed.
 */
export function given(account: string, events: readonly LedgerEvent[]) {
  const fold = (projection: SessionListProjection) => {
    events.forEach((e, i) => projection.apply({ type: e.type, data: e.data, account, seq: i + 1 }));
    return projection;
  };
  return {
    then(check: (reader: SessionListReader) => void): void {
      const projection = fold(new SessionListProjection());
      check(projection.reader);
      const once = allViews(projection.reader);
      fold(projection);
      expect(allViews(projection.reader), 'the same events applied twice change nothing').to.deep.equal(once);
      check(projection.reader);
    },
  };
}
