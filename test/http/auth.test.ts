import { expect } from 'chai';
import { AuthError, signToken, verifyToken } from '../../infrastructure/http/auth.js';
import { RateLimiter } from '../../infrastructure/http/rate-limit.js';

const SECRET = 'unit-secret';
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('HTTP auth tokens and rate limits', () => {
  it('an HS256 token round-trips its claims; device defaults to "default", admin to false', () => {
    expect(verifyToken(SECRET, signToken(SECRET, { sub: 'alice', device: 'phone' }))).to.deep.equal({ sub: 'alice', device: 'phone', admin: false });
    expect(verifyToken(SECRET, signToken(SECRET, { sub: 'ops', admin: true }))).to.deep.equal({ sub: 'ops', device: 'default', admin: true });
  });

  it('refuses alg "none", another secret, a changed payload, an expired token and a token without sub', () => {
    const good = signToken(SECRET, { sub: 'alice' });
    const [, payload, signature] = good.split('.');
    const cases: [string, string][] = [
      [`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`, 'HS256'],
      [signToken('other', { sub: 'alice' }), 'signature'],
      [`${good.split('.')[0]}.${b64({ sub: 'mallory' })}.${signature}`, 'signature'],
      [signToken(SECRET, { sub: 'alice' }, { ttlSeconds: 60, now: Date.now() - 120_000 }), 'expired'],
      [signToken(SECRET, { sub: '' }), 'sub'],
      ['abc', 'not a JWT'],
    ];
    for (const [token, says] of cases) expect(() => verifyToken(SECRET, token), token).to.throw(AuthError, says);
  });

  it('a token bucket lets `burst` through at once, then refills at `perSecond`, per key', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).to.deep.equal([0, 0, 0, 1]);
    expect(limiter.take('b')).to.equal(0);
    now = 500; // one token back
    expect([limiter.take('a'), limiter.take('a')]).to.deep.equal([0, 1]);
  });
});
