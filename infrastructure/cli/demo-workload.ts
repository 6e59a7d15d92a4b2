import type { DeviceView } from '../../application/api/device-view.js';
import type { Ledger } from '../../application/api/ledger.js';
import type { Message } from '../../domain/message.js';

/** A small deterministic PRNG (mulberry32): the same demo every run, without Math.random. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DemoOptions {
  readonly accounts: number;
  readonly messages: number;
  readonly seed: number;
  /** idClient prefix, so a second run adds new messages instead of repeating the first */
  readonly runId: string;
  readonly now: () => number;
  readonly onProgress?: (done: number) => void;
}

const TEXTS = ['hi', 'lunch?', 'see you at 3', 'ok', 'sent the file', 'on my way', 'thanks!', 'meeting moved', 'lol', 'good night'];
const TYPES = ['text', 'text', 'text', 'text', 'image', 'file', 'audio', 'custom'];

/**
 * A realistic IM day: p2p chats and team chats among `accounts` users; some users log in on a
 * second device and sync roaming and offline batches; people open chats, reset unread, send read
 * receipts and delete sessions. Returns the number of commands dispatched.
 */
export async function runDemo(ledger: Ledger, o: DemoOptions): Promise<{ commands: number; featured: string }> {
  const rnd = random(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const users = Array.from({ length: o.accounts }, (_, i) => `user${String(i).padStart(3, '0')}`);
  const teams = Array.from({ length: Math.max(1, Math.floor(o.accounts / 20)) }, (_, i) => ({
    id: `team${i}`,
    members: Array.from({ length: 6 }, () => pick(users)),
  }));
  const views = new Map<string, DeviceView>();
  const view = (account: string, device = 'phone') => {
    const key = `${account}\n${device}`;
    let v = views.get(key);
    if (!v) {
      v = ledger.account(account, device === 'laptop' ? { device, syncSessionUnread: true } : { device });
      views.set(key, v);
    }
    return v;
  };
  let seq = 0;
  const message = (scene: Message['scene'], from: string, to: string): Message => ({
    scene, from, to, idClient: `${o.runId}-${++seq}`, type: pick(TYPES), text: pick(TEXTS), time: o.now(),
  });
  const pending: Message[] = []; // what a second device will find in its login sync
  let commands = 0;
  const featured = users[0]!;
  const inFlight = new Set<Promise<unknown>>();
  const submit = async (work: Promise<unknown>) => {
    commands++;
    inFlight.add(work);
    const forget = () => void inFlight.delete(work);
    work.then(forget, forget); // a failure surfaces through Promise.race / Promise.all below
    if (inFlight.size >= 32) await Promise.race(inFlight);
  };
  for (let i = 0; i < o.messages; i++) {
    const r = rnd();
    const from = i % 7 === 0 ? pick(users.slice(1, 12)) : pick(users);
    if (r < 0.7) {
      const to = i % 5 === 0 ? featured : pick(users.filter((u) => u !== from).slice(0, 60));
      if (to === from) continue;
      const m = message('p2p', from, to);
      await submit(view(from).sendMessage(m));
      if (rnd() < 0.2) pending.push(m);
    } else {
      const t = pick(teams);
      const m = message('team', from, t.id);
      await submit(Promise.all([view(from).sendMessage(m), ...t.members.filter((u) => u !== from).map((u) => view(u).receiveMessage(m))]));
    }
    if (i % 97 === 0) await submit(view(pick(users)).resetAllSessionUnread());
    if (i % 53 === 0) {
      const reader = pick(users);
      const got = pending.find((m) => m.to === reader && m.scene === 'p2p');
      if (got) await submit(view(reader).sendMsgReceipt({ msg: got }));
    }
    if (i % 400 === 399) await submit(view(pick(users)).deleteSession({ scene: 'p2p', to: pick(users) }));
    if (i % 250 === 249) {
      // A login on a second device: its sync brings roaming history and what arrived while away.
      const who = pick(users);
      const mine = pending.filter((m) => m.to === who || m.from === who);
      await submit(view(who, 'laptop').syncMessages({ roaming: mine.slice(0, mine.length >> 1), offline: mine.slice(mine.length >> 1) }));
    }
    if (i % 300 === 0) await submit(view(featured).setCurrSession(`p2p-${pick(users.slice(1, 12))}`));
    o.onProgress?.(i + 1);
  }
  await Promise.all(inFlight);
  return { commands, featured };
}
