import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a bearer token says about its holder (README, "The HTTP service"). */
export interface Principal {
  /** the account the token acts for */
  readonly sub: string;
  /** the device view it acts as; default 'default' */
  readonly device: string;
  /** may read any account's lists and history, and dispatch for any account */
  readonly admin: boolean;
}

export class AuthError extends Error {
  override readonly name = 'AuthError';
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function base64url(text: string | Buffer): string {
  return Buffer.from(text).toString('base64url');
}

function sign(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

/** An HS256 JWT for `claims`; `ttlSeconds` sets `exp` (none: no expiry, for demo tokens). */
export function signToken(secret: string, claims: { sub: string; device?: string; admin?: boolean }, options: { ttlSeconds?: number; now?: number } = {}): string {
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const payload = { ...claims, iat, ...(options.ttlSeconds !== undefined && { exp: iat + options.ttlSeconds }) };
  const body = `${HEADER}.${base64url(JSON.stringify(payload))}`;
  return `${body}.${sign(body, secret).toString('base64url')}`;
}

/** Checks the signature (HS256 only), `exp` and `nbf`, and the claims' types. */
export function verifyToken(secret: string, token: string, now = Date.now()): Principal {
  const parts = token.split('.');
  if (parts.length !== 3) throw new AuthError('the bearer token is not a JWT (header.payload.signature)');
  const [header, payload, signature] = parts as [string, string, string];
  let head: { alg?: unknown };
  let claims: Record<string, unknown>;
  try {
    head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new AuthError('the bearer token is not a JWT: its header or payload is not base64url JSON');
  }
  if (head?.alg !== 'HS256') throw new AuthError('the bearer token must be signed with HS256');
  const expected = sign(`${header}.${payload}`, secret);
  const given = Buffer.from(signature, 'base64url');
  // Node's decoder skips padding and foreign characters: only the one canonical spelling counts,
  // or one token would pass as many (and each spelling would get a rate-limit bucket of its own).
  const canonical = given.toString('base64url') === signature;
  if (!canonical || given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AuthError('the bearer token signature does not match this server\'s secret');
  if (typeof claims !== 'object' || claims === null) throw new AuthError('the bearer token payload must be a JSON object');
  for (const claim of ['exp', 'nbf'] as const) {
    if (claims[claim] !== undefined && (typeof claims[claim] !== 'number' || !Number.isFinite(claims[claim]))) throw new AuthError(`the bearer token's \`${claim}\` must be a number of seconds since the epoch`);
  }
  const seconds = now / 1000;
  if (typeof claims['exp'] === 'number' && seconds >= claims['exp']) throw new AuthError('the bearer token has expired');
  if (typeof claims['nbf'] === 'number' && seconds < claims['nbf']) throw new AuthError('the bearer token is not valid yet');
  const { sub, device, admin } = claims;
  if (typeof sub !== 'string' || sub === '') throw new AuthError('the bearer token must name an account in `sub`');
  if (device !== undefined && (typeof device !== 'string' || device === '')) throw new AuthError('the bearer token\'s `device` must be a non-empty string');
  if (admin !== undefined && typeof admin !== 'boolean') throw new AuthError('the bearer token\'s `admin` must be a boolean');
  return { sub, device: (device as string | undefined) ?? 'default', admin: admin === true };
}

export interface AuthSettings {
  readonly secret: string;
  /** true when no LEDGER_AUTH_SECRET was set: a development secret, demo tokens on offer */
  readonly development: boolean;
}

/** LEDGER_AUTH_SECRET, or a fresh development secret (a warning is the caller's to print). */
export function authFromEnvironment(env: NodeJS.ProcessEnv = process.env): AuthSettings {
  const secret = env['LEDGER_AUTH_SECRET'];
  if (secret) return { secret, development: false };
  return { secret: `dev-${randomBytes(24).toString('hex')}`, development: true };
}

export interface DemoToken {
  readonly label: string;
  readonly sub: string;
  readonly device: string;
  readonly admin: boolean;
  readonly token: string;
}

/** Tokens for the demo's device views, and one admin. */
export function demoTokens(secret: string, views: readonly { sub: string; device: string }[]): DemoToken[] {
  const users = views.map((v) => ({ label: `${v.sub} on ${v.device}`, sub: v.sub, device: v.device, admin: false }));
  const all = [...users, { label: 'admin', sub: 'admin', device: 'default', admin: true }];
  return all.map((c) => ({ ...c, token: signToken(secret, { sub: c.sub, device: c.device, ...(c.admin && { admin: true }) }) }));
}
