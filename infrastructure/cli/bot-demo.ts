import { filter, firstValueFrom } from 'rxjs';
import type { DeviceView } from '../../application/api/device-view.js';
import { createLedger } from '../create-ledger.js';
import { registerSurvey } from './survey-bot.js';

const BOT = 'surveybot';

/** Three simulated users talk to the survey bot; prints the conversation as it happens. */
export async function runBotDemo(store: string, timeout = 1500): Promise<string[]> {
  const ledger = await createLedger({ store });
  const transcript: string[] = [];
  const log = (line: string) => {
    transcript.push(line);
    console.log(line);
  };
  try {
    const bot = ledger.bot(BOT);
    bot.errors$.subscribe((e) => log(`bot error: ${e.message}`));
    registerSurvey(bot, { timeout });
    const runId = Date.now().toString(36);
    let n = 0;
    const say = async (user: DeviceView, text: string, expectReply = true) => {
      const reply = firstValueFrom(user.updates$.pipe(filter((s) => s.id === `p2p-${BOT}` && s.lastMsg?.from === BOT)));
      log(`${user.account.padEnd(9)} → ${BOT}: ${text}`);
      await user.sendMessage({ scene: 'p2p', from: user.account, to: BOT, idClient: `${runId}-${++n}`, type: 'text', text, time: Date.now() });
      if (!expectReply) return;
      const s = await reply;
      log(`${BOT} → ${user.account.padEnd(9)}: ${s.lastMsg!.text}`);
    };
    const waitForBot = async (user: DeviceView) => {
      const s = await firstValueFrom(user.updates$.pipe(filter((x) => x.id === `p2p-${BOT}` && x.lastMsg?.from === BOT)));
      log(`${BOT} → ${user.account.padEnd(9)}: ${s.lastMsg!.text}`);
    };
    const ann = ledger.account('ann');
    const ben = ledger.account('ben');
    const cat = ledger.account('cat');
    await Promise.all([ann.ready, ben.ready, cat.ready]);
    await Promise.all([
      (async () => { await say(ann, 'survey'); await say(ann, '5'); await say(ann, 'yes'); })(),
      (async () => { await say(ben, 'survey'); await say(ben, '3'); log(`ben       … (goes quiet for ${timeout} ms)`); await waitForBot(ben); })(),
      (async () => { await say(cat, 'hello?', false); await say(cat, 'survey'); await say(cat, 'maybe', false); await say(cat, '4'); await say(cat, 'no'); })(),
    ]);
    await bot.whenIdle();
    const { sessions } = await ledger.account(BOT).getLocalSessions();
    console.log(`\n${BOT}'s list: ${sessions.map((s) => `${s.id} (unread ${s.unread})`).join(', ')}`);
    return transcript;
  } finally {
    await ledger.close();
  }
}
