import { expect } from 'chai';
import { accountDecider, type AccountCommand } from '../../domain/account-decider.js';
import type { AccountEvent } from '../../domain/events.js';

/** given(events).when(command).then(events) for the account decider of 'alice'. */
function given(events: AccountEvent[] = []) {
  const decider = accountDecider('alice');
  const state = events.reduce(decider.evolve, decider.initialState());
  return {
    when: (command: AccountCommand) => ({
      then: (expected: AccountEvent[]) => expect(decider.decide(command, state)).to.deep.equal(expected),
    }),
  };
}

const registered = (device: string, syncSessionUnread = false): AccountEvent => ({
  type: 'DeviceRegistered',
  data: { device, options: { db: true, syncSessionUnread, autoMarkRead: false }, mode: syncSessionUnread ? 'A' : 'B' },
});
const current = (sessionId: string, device = 'pc', scope: 'device' | 'account' = 'device'): AccountEvent => ({ type: 'CurrentSessionSet', data: { sessionId, device, scope, mark: 7 } });

describe('domain: account decider', () => {
  it('S4.2 setCurrSession is one event on the account stream, with the mark scope of the device\'s mode', () => {
    given([registered('pc')]).when({ type: 'SetCurrent', device: 'pc', sessionId: 'p2p-bob', mark: 7 }).then([current('p2p-bob')]);
    given([registered('pc', true)]).when({ type: 'SetCurrent', device: 'pc', sessionId: 'p2p-bob', mark: 7 }).then([current('p2p-bob', 'pc', 'account')]);
  });
  it('S4.2 another session set current replaces the first in the same one event', () => {
    given([registered('pc'), current('p2p-bob')]).when({ type: 'SetCurrent', device: 'pc', sessionId: 'p2p-carol', mark: 7 }).then([current('p2p-carol')]);
  });
  it('S4.5 resetCurrSession clears the device\'s current session, and does nothing without one', () => {
    given([registered('pc'), current('p2p-bob')]).when({ type: 'ClearCurrent', device: 'pc' })
      .then([{ type: 'CurrentSessionCleared', data: { sessionId: 'p2p-bob', device: 'pc' } }]);
    given([registered('pc'), current('p2p-bob', 'phone')]).when({ type: 'ClearCurrent', device: 'pc' }).then([]);
    given([registered('pc'), current('p2p-bob'), { type: 'CurrentSessionCleared', data: { sessionId: 'p2p-bob', device: 'pc' } }])
      .when({ type: 'ClearCurrent', device: 'pc' }).then([]);
  });
  it('S4.4 resetAllSessionUnread records the sessions it chose, those with unread and the others whose marks move too; with an empty list it records nothing', () => {
    given([registered('pc')]).when({ type: 'ResetAllUnread', device: 'pc', sessionIds: ['p2p-bob'], alsoMarked: ['p2p-carol'] })
      .then([{ type: 'AllSessionUnreadReset', data: { device: 'pc', sessionIds: ['p2p-bob'], alsoMarked: ['p2p-carol'] } }]);
    given([registered('pc')]).when({ type: 'ResetAllUnread', device: 'pc', sessionIds: [], alsoMarked: ['p2p-carol'] })
      .then([{ type: 'AllSessionUnreadReset', data: { device: 'pc', sessionIds: [], alsoMarked: ['p2p-carol'] } }]);
    given([registered('pc')]).when({ type: 'ResetAllUnread', device: 'pc', sessionIds: [], alsoMarked: [] }).then([]);
  });
  it('S7.7 a sync of a device without a database ends its current session, recorded; a device with one keeps it', () => {
    const kiosk: AccountEvent = { type: 'DeviceRegistered', data: { device: 'kiosk', options: { db: false, syncSessionUnread: false, autoMarkRead: false }, mode: 'C' } };
    given([kiosk, current('p2p-bob', 'kiosk')]).when({ type: 'StartSync', device: 'kiosk' })
      .then([{ type: 'DeviceSyncStarted', data: { device: 'kiosk' } }, { type: 'CurrentSessionCleared', data: { sessionId: 'p2p-bob', device: 'kiosk' } }]);
    given([kiosk]).when({ type: 'StartSync', device: 'kiosk' }).then([{ type: 'DeviceSyncStarted', data: { device: 'kiosk' } }]);
    given([registered('pc'), current('p2p-bob')]).when({ type: 'StartSync', device: 'pc' }).then([]);
  });
  it('S7.4 a delete ends the session where it is current: a server delete on every device, a local one on its device only', () => {
    const both = [registered('pc'), registered('phone'), current('p2p-bob'), current('p2p-bob', 'phone')];
    const cleared = (device: string): AccountEvent => ({ type: 'CurrentSessionCleared', data: { sessionId: 'p2p-bob', device } });
    given(both).when({ type: 'EndDeletedCurrent', sessionIds: ['p2p-bob', 'p2p-carol'] }).then([cleared('pc'), cleared('phone')]);
    given(both).when({ type: 'EndDeletedCurrent', sessionIds: ['p2p-bob'], device: 'phone' }).then([cleared('phone')]);
    given(both).when({ type: 'EndDeletedCurrent', sessionIds: ['p2p-carol'] }).then([]);
  });
  it('S10.3 registering again with the same options records nothing; other options are recorded', () => {
    given([registered('pc')]).when({ type: 'RegisterDevice', device: 'pc', options: {} }).then([]);
    given([registered('pc')]).when({ type: 'RegisterDevice', device: 'pc', options: { syncSessionUnread: true } }).then([registered('pc', true)]);
  });
});
