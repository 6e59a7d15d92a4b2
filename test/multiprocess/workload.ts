import type { Message } from '../../domain/message.js';
import type { RequestBody } from './ledger-child.js';

/** the demo's seeded generator (mulberry32), so a failing run can be replayed from its seed */
export { random as seeded } from '../../infrastructure/cli/demo-workload.js';

export const ACCOUNTS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
const DEVICES = ['d0', 'd1'];

/** A step of the seeded workload: what to run, and which accounts must hold each message once it is acknowledged. */
export interface Step {
  readonly body: RequestBody;
  readonly holders: ReadonlyMap<string, readonly string[]>;
}

/**
 * Receives, sends (p2p between the accounts, so peer delivery runs), syncs (roaming and offline
 * batches), resets and local deletes across six accounts and two devices each, drawn from `random`.
 */
export function workload(random: () => number): () => Step {
  let n = 0;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const message = (from: string, to: string): Message => {
    n++;
    return { scene: 'p2p', from, to, idClient: `w${n}`, type: pick(['text', 'text', 'image']), text: `m${n}`, time: 1_000_000 + n * 10 };
  };
  return () => {
    const account = pick(ACCOUNTS);
    const device = pick(DEVICES);
    const other = pick(ACCOUNTS.filter((a) => a !== account));
    const roll = random();
    if (roll < 0.35) {
      const m = message(other, account);
      return { body: { op: 'receive', account, device, message: m }, holders: new Map([[m.idClient, [account]]]) };
    }
    if (roll < 0.65) {
      const m = message(account, other);
      return { body: { op: 'send', account, device, message: m }, holders: new Map([[m.idClient, [account, other]]]) };
    }
    if (roll < 0.78) {
      const roaming = [message(other, account), message(pick(ACCOUNTS.filter((a) => a !== account)), account)];
      const offline = [message(other, account)];
      return { body: { op: 'sync', account, device, roaming, offline }, holders: new Map([...roaming, ...offline].map((m) => [m.idClient, [account]])) };
    }
    if (roll < 0.92) return { body: { op: 'reset', account, device, sessionId: `p2p-${other}` }, holders: new Map() };
    return { body: { op: 'delete', account, device, sessionId: `p2p-${other}` }, holders: new Map() };
  };
}

/** The `p`th percentile of `values` (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
