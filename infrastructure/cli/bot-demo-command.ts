import { parseArgs } from 'node:util';
import { STORE_HELP, type CliCommand } from './command.js';
import { integer, storeOf } from './options.js';

export const botDemo: CliCommand = {
  name: 'bot-demo',
  summary: 'a two-question survey bot answering simulated users',
  help: `usage: session-ledger bot-demo [--timeout 1500]

Three simulated users talk to a survey bot built on the message streams: one
answers both questions, one goes quiet until the bot gives up, one answers
with mistakes first. Prints the conversation as it happens.

  --timeout <ms>      how long the bot waits for an answer (default 1500)
${STORE_HELP}`,
  async run(args) {
    const { runBotDemo } = await import('./bot-demo.js');
    const { values } = parseArgs({ args, options: { store: { type: 'string' }, timeout: { type: 'string' } } });
    const timeout = integer('timeout', values.timeout, 1500, 1);
    await runBotDemo(storeOf(values), timeout);
  },
};
