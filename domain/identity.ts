import { SCENES, type Message, type Scene } from './message.js';

/** S1.1: `${scene}-${to}` */
export function sessionIdOf(scene: Scene, to: string): string {
  return `${scene}-${to}`;
}

/** Splits a session id at its first dash; scenes never contain one, peers and teams may. */
export function parseSessionId(sessionId: string): { scene: Scene; to: string } | null {
  const dash = sessionId.indexOf('-');
  if (dash < 0) return null;
  const scene = sessionId.slice(0, dash) as Scene;
  const to = sessionId.slice(dash + 1);
  if (!SCENES.includes(scene) || to.length === 0) return null;
  return { scene, to };
}

/** S1.2: who a message's session is with in `account`'s list: the peer, or the team. */
export function counterpartOf(account: string, msg: Pick<Message, 'scene' | 'from' | 'to'>): string {
  return msg.scene === 'p2p' ? (msg.from === account ? msg.to : msg.from) : msg.to;
}

/** True when `msg` is part of `account`'s conversations at all (p2p: it is one end). */
export function concernsAccount(account: string, msg: Pick<Message, 'scene' | 'from' | 'to'>): boolean {
  return msg.scene !== 'p2p' || msg.from === account || msg.to === account;
}

// S1.4: encodeURIComponent never emits '/', so '/' separates the parts without ambiguity.
const enc = encodeURIComponent;
export const STREAM_ROOT = 'ledger/';

export function accountPrefix(account: string): string {
  return `${STREAM_ROOT}${enc(account)}/`;
}

export function sessionStreamOf(account: string, scene: Scene, to: string): string {
  return `${accountPrefix(account)}session/${scene}/${enc(to)}`;
}

export function sessionStream(account: string, sessionId: string): string {
  const parsed = parseSessionId(sessionId);
  if (!parsed) throw new Error(`not a session id: ${JSON.stringify(sessionId)}`);
  return sessionStreamOf(account, parsed.scene, parsed.to);
}

export function accountStream(account: string): string {
  return `${accountPrefix(account)}account`;
}

export type ParsedStream =
  | { kind: 'session'; account: string; sessionId: string; scene: Scene; to: string }
  | { kind: 'account'; account: string };

export function parseStream(stream: string): ParsedStream | null {
  if (!stream.startsWith(STREAM_ROOT)) return null;
  const parts = stream.slice(STREAM_ROOT.length).split('/');
  const account = decodeURIComponent(parts[0] ?? '');
  if (parts.length === 2 && parts[1] === 'account') return { kind: 'account', account };
  if (parts.length === 4 && parts[1] === 'session' && SCENES.includes(parts[2] as Scene)) {
    const scene = parts[2] as Scene;
    const to = decodeURIComponent(parts[3]!);
    return { kind: 'session', account, scene, to, sessionId: sessionIdOf(scene, to) };
  }
  return null;
}
