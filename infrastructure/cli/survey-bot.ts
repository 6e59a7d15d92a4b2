import { StreamTimeoutError } from '../../application/streams/errors.js';
import type { SessionEngine } from '../../application/streams/session-engine.js';

/** A two-question survey that gives up politely when the user goes quiet (README, bot-demo). */
export function registerSurvey(bot: SessionEngine, options: { timeout: number }): void {
  bot.useSession((c) => c.message.text?.trim().toLowerCase() === 'survey')(async (ctx) => {
    try {
      await ctx.reply('Q1: how would you rate us, 1 to 5?');
      const rating = await ctx.get((m) => /^[1-5]$/.test(m.text?.trim() ?? ''), { timeout: options.timeout });
      await ctx.reply('Q2: would you recommend us to a friend (yes/no)?');
      const answer = await ctx.get((m) => /^(yes|no)$/i.test(m.text?.trim() ?? ''), { timeout: options.timeout });
      await ctx.reply(`Thanks! You rated us ${rating.text!.trim()} and said "${answer.text!.trim().toLowerCase()}".`);
    } catch (error) {
      if (!(error instanceof StreamTimeoutError)) throw error;
      await ctx.reply('No worries, we will ask another time. Have a nice day!');
    }
  });
}
