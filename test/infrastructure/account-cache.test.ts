import { expect } from 'chai';
import { newAccountModel, newSessionModel, type AccountModel } from '../../projections/session-list/model.js';
import { AccountCache, weightOf } from '../../infrastructure/readmodels/account-cache.js';

/** An account of `sessions` sessions and no device: it weighs 1 + sessions rows. */
function account(id: string, sessions: number): AccountModel {
  const a = newAccountModel(id);
  for (let i = 0; i < sessions; i++) a.sessions.set(`p2p-u${i}`, newSessionModel(`p2p-u${i}`, 'p2p', `u${i}`));
  return a;
}

describe('the read-model account cache (sqlite tables)', () => {
  const stored = new Map(['a', 'b', 'c', 'd'].map((id) => [id, account(id, 4)]));
  let loads: string[];
  const source = { load: (id: string) => (loads.push(id), stored.get(id)), ids: () => [...stored.keys()] };
  beforeEach(() => {
    loads = [];
  });

  it('loads an account on a miss, answers hits from memory, and lets the least recently used go beyond its budget', () => {
    expect(weightOf(stored.get('a')!)).to.equal(5);
    const cache = new AccountCache(source, 10);
    cache.get('a');
    cache.get('b');
    cache.get('a'); // a is now the most recent
    cache.get('c'); // over budget: b goes
    expect(loads).to.deep.equal(['a', 'b', 'c']);
    expect([...cache.keys()]).to.deep.equal(['a', 'c']);
    expect(cache.rows).to.equal(10);
    expect(cache.get('missing')).to.equal(undefined);
    expect(cache.ids().sort()).to.deep.equal(['a', 'b', 'c', 'd']);
  });

  it('while a batch is held nothing is let go, however far over budget; the release trims to the budget', () => {
    const cache = new AccountCache(source, 10);
    cache.hold();
    for (const id of ['a', 'b', 'c', 'd']) cache.get(id);
    expect(cache.size).to.equal(4);
    cache.peek('a')!.sessions.set('p2p-new', newSessionModel('p2p-new', 'p2p', 'new'));
    cache.release(['a']);
    expect([...cache.keys()]).to.deep.equal(['c', 'd']);
    expect(cache.rows).to.equal(10);
  });
});
