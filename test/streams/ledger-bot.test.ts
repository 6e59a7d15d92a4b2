import { expect } from 'chai';
import type { Message } from '../../domain/message.js';
import { p2p, team } from '../support/messages.js';
import { onEachStore } from '../support/ledger-fixture.js';

onEachStore('M4 bots on the ledger', ({ fx }) => {
  it('M4.1 ctx.reply is the bot\'s outgoing lastMsg, and an unread incoming message in the peer\'s list', async () => {
    const { ledger, clock } = fx();
    const bot = ledger.bot('helpdesk');
    await ledger.account('helpdesk').getTotalUnread(); // S4: the view counts from its registration
    const replied = new Promise<unknown>((resolve, reject) => {
      bot.useSession((c) => c.message.text === 'help')(async (ctx) => ctx.reply('how can I help?').then(resolve, reject));
    });
    const user = ledger.account('ann');
    clock.now += 5_000;
    await user.sendMessage(p2p('ann', 'helpdesk', clock.now - 1, { text: 'help' }));
    await replied;
    const botSide = await ledger.account('helpdesk').getLocalSession({ sessionId: 'p2p-ann' });
    expect(botSide!.lastMsg).to.deep.include({ from: 'helpdesk', to: 'ann', text: 'how can I help?', time: clock.now });
    expect(botSide!.unread).to.equal(1); // ann's message, not the reply
    const annSide = await user.getLocalSession({ sessionId: 'p2p-helpdesk' });
    expect(annSide).to.deep.include({ unread: 1 });
    expect(annSide!.lastMsg).to.deep.include({ from: 'helpdesk', text: 'how can I help?' });
  });

  it('M4.1 in a team, the reply is recorded on the bot\'s side only', async () => {
    const { ledger } = fx();
    const bot = ledger.bot('helpdesk');
    const replied = new Promise<unknown>((resolve, reject) => {
      bot.useSession(() => true)(async (ctx) => ctx.reply('noted').then(resolve, reject));
    });
    await ledger.account('helpdesk').receiveMessage(team('ann', 'ops', 10));
    await replied;
    const s = await ledger.account('helpdesk').getLocalSession({ sessionId: 'team-ops' });
    expect(s!.lastMsg).to.deep.include({ scene: 'team', from: 'helpdesk', to: 'ops', text: 'noted' });
    expect(await ledger.account('ann').getLocalSession({ sessionId: 'team-ops' })).to.equal(null);
  });

  it('M4.2 the engine gets the messages committed after ledger.bot(), in commit order, each exactly once', async () => {
    const { ledger } = fx();
    const botView = ledger.account('helpdesk');
    await botView.receiveMessage(p2p('old', 'helpdesk', 1, { text: 'before the bot' }));
    const bot = ledger.bot('helpdesk');
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      bot.useSession(() => true, { identifier: 'user' })(async (ctx) => {
        seen.push(ctx.message.text!);
        for (;;) {
          const m = await ctx.get();
          seen.push(m.text!);
          if (m.text === 'end') return resolve();
        }
      });
    });
    const m = (text: string, time: number): Message => p2p('ann', 'helpdesk', time, { text });
    const first = m('a', 10);
    await botView.receiveMessage(first);
    await botView.syncMessages({ roaming: [first, m('b', 11)], offline: [m('c', 12)] }); // 'a' again: recorded once; 'b' is roaming history
    await botView.sendMessage(p2p('helpdesk', 'ann', 13, { text: 'outgoing' }));
    await botView.receiveMessage(m('end', 14));
    await done;
    expect(seen).to.deep.equal(['a', 'c', 'end']);
  });

  it('M4.2 roaming history from a sync never reaches the bot; offline messages do', async () => {
    const { ledger } = fx();
    const bot = ledger.bot('helpdesk');
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      bot.useSession(() => true, { identifier: 'user', concurrent: true })(async (ctx) => {
        seen.push(ctx.message.text!);
        if (ctx.message.text === 'offline') resolve();
      });
    });
    await ledger.account('helpdesk').syncMessages({ roaming: [p2p('ann', 'helpdesk', 1, { text: 'roaming' })], offline: [p2p('ann', 'helpdesk', 2, { text: 'offline' })] });
    await done;
    expect(seen).to.deep.equal(['offline']);
  });

  it('M3.2 changing a message in a handler or a trigger never changes the ledger\'s read model', async () => {
    const { ledger } = fx();
    const bot = ledger.bot('helpdesk');
    const handled = new Promise<void>((resolve) => {
      bot.useSession((c) => { (c.message as { text?: string }).text = 'CHANGED BY TRIGGER'; return true; })(async (ctx) => {
        const next = await ctx.stream.get();
        (next as { text?: string }).text = 'CHANGED BY HANDLER';
        resolve();
      });
    });
    const view = ledger.account('helpdesk');
    await view.receiveMessage(p2p('ann', 'helpdesk', 1, { text: 'first' }));
    await view.receiveMessage(p2p('ann', 'helpdesk', 2, { text: 'second' }));
    await handled;
    expect((await view.getLocalSession({ sessionId: 'p2p-ann' }))!.lastMsg!.text).to.equal('second');
    const history = await ledger.history({ account: 'helpdesk', sessionId: 'p2p-ann' });
    expect(history.map((e) => (e.type === 'MessageReceived' ? e.data.message.text : e.type))).to.deep.equal(['first', 'second']);
  });

  it('M4.2 closing the ledger closes its bots: pending get() rejects with StreamClosedError', async () => {
    const { ledger } = fx();
    const bot = ledger.bot('helpdesk');
    const outcome = new Promise<string>((resolve) => {
      bot.useSession(() => true)(async (ctx) => ctx.get().then(() => 'resolved', (e: Error) => e.name).then(resolve));
    });
    const errors: Error[] = [];
    bot.errors$.subscribe((e) => errors.push(e));
    await ledger.account('helpdesk').receiveMessage(p2p('ann', 'helpdesk', 1));
    await ledger.close();
    expect(await outcome).to.equal('StreamClosedError');
    expect(bot.closed).to.equal(true);
    expect(errors).to.deep.equal([]);
  });
});
