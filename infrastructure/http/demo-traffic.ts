import type { Ledger } from '../../application/ledger.js';
import { ReceiveMessage, RegisterDevice, ResetSessionUnread, SendMessage } from '../../application/commands/index.js';
import type { Message } from '../../domain/message.js';
import { random } from '../cli/demo-workload.js';

/** The demo's people and teams: the inbox offers a token for each person, on device `phone`. */
export const DEMO_ACCOUNTS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'] as const;
export const DEMO_DEVICE = 'phone';
/** The views the inbox offers: everyone's phone, and alice's laptop (a second device of one account). */
export const DEMO_VIEWS = [...DEMO_ACCOUNTS.map((sub) => ({ sub, device: DEMO_DEVICE })), { sub: 'alice', device: 'laptop' }];
const TEAMS = [
  { id: '101', members: ['alice', 'bob', 'carol', 'dave'] },
  { id: '102', members: ['alice', 'erin', 'frank'] },
];
const TEXTS = ['hi!', 'lunch?', 'see you at 3', 'ok', 'sent the file', 'on my way', 'thanks!', 'meeting moved to 4', 'lol', 'good night'];

/**
 * Demo traffic through the command bus only (no device views are opened): people message each
 * other and their teams, and now and then read a chat. Returns the number of commands.
 */
export class DemoTraffic {
  private rounds = 0;
  private lastTime = 0;

  constructor(private readonly ledger: Ledger, private readonly now: () => number = Date.now) {}

  /** The demo devices, registered once so their lists exist before any traffic. */
  async register(): Promise<void> {
    for (const account of DEMO_ACCOUNTS) await this.ledger.commands.dispatch(new RegisterDevice({ account, device: DEMO_DEVICE }));
  }

  /** `messages` messages, deterministic per round; resolves once every read model reflects them. */
  async run(messages: number): Promise<number> {
    const rnd = random(7 + this.rounds);
    const round = `${this.now().toString(36)}-${this.rounds++}`;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    let commands = 0;
    const dispatch = async (command: SendMessage | ReceiveMessage | ResetSessionUnread) => {
      commands++;
      await this.ledger.commands.dispatch(command);
    };
    for (let i = 0; i < messages; i++) {
      const time = (this.lastTime = Math.max(this.now(), this.lastTime + 1));
      const base = { idClient: `demo-${round}-${i}`, type: rnd() < 0.85 ? 'text' : 'image', text: pick(TEXTS), time };
      if (rnd() < 0.7) {
        const from = pick(DEMO_ACCOUNTS);
        const to = pick(DEMO_ACCOUNTS.filter((a) => a !== from));
        await dispatch(new SendMessage({ account: from, device: DEMO_DEVICE, message: { ...base, scene: 'p2p', from, to } satisfies Message }));
      } else {
        const team = pick(TEAMS);
        const from = pick(team.members);
        const message: Message = { ...base, scene: 'team', from, to: team.id };
        await dispatch(new SendMessage({ account: from, device: DEMO_DEVICE, message }));
        await Promise.all(team.members.filter((m) => m !== from).map((m) => dispatch(new ReceiveMessage({ account: m, device: DEMO_DEVICE, message }))));
      }
      if (rnd() < 0.1) {
        const reader = pick(DEMO_ACCOUNTS.filter((a) => a !== 'alice'));
        await dispatch(new ResetSessionUnread({ account: reader, device: DEMO_DEVICE, sessionId: `p2p-${pick(DEMO_ACCOUNTS.filter((a) => a !== reader))}` }));
      }
    }
    return commands;
  }
}
