import { expect } from 'chai';
import { Ledger } from '../../application/api/ledger.js';
import { ValidationError } from '../../application/errors.js';
import type { Logger } from '../../application/ports/logger.js';
import { createLedger } from '../../infrastructure/create-ledger.js';
import { MemoryEventStore } from '../../infrastructure/store/memory/memory-store.js';
import { p2p } from '../support/messages.js';

function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields && { fields }) });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('API ledger.position() and waitForPosition()', () => {
  it('position() is the decimal log position the read models reflect, "-1" when empty, and grows with each command', async () => {
    const ledger = await Ledger.open({ store: new MemoryEventStore(), clock: () => 1000 });
    try {
      expect(ledger.position()).to.equal('-1');
      expect(await ledger.waitForPosition('-1', { timeoutMs: 10 })).to.equal(true);
      await ledger.account('alice').receiveMessage(p2p('bob', 'alice', 1));
      const first = ledger.position();
      expect(first).to.match(/^\d+$/);
      await ledger.account('alice').receiveMessage(p2p('bob', 'alice', 2));
      expect(BigInt(ledger.position()) > BigInt(first)).to.equal(true);
      expect(await ledger.waitForPosition(first)).to.equal(true);
      expect(await ledger.waitForPosition(ledger.position(), { timeoutMs: 10 })).to.equal(true);
    } finally {
      await ledger.close();
    }
  });

  it('waitForPosition() resolves false after its timeout for a position not reached, and refuses a malformed one', async () => {
    const ledger = await Ledger.open({ store: new MemoryEventStore(), clock: () => 1000 });
    try {
      const ahead = (BigInt(ledger.position()) + 1000n).toString();
      expect(await ledger.waitForPosition(ahead, { timeoutMs: 5 })).to.equal(false);
      const refused = await ledger.waitForPosition('12abc').catch((e) => e);
      expect(refused).to.be.instanceOf(ValidationError);
      expect(refused.errors.map((e: { field: string }) => e.field)).to.deep.equal(['position']);
    } finally {
      await ledger.close();
    }
  });

  it('waitForPosition() resolves true once a later command brings the read models there', async () => {
    const ledger = await Ledger.open({ store: new MemoryEventStore(), clock: () => 1000 });
    try {
      await ledger.account('alice').receiveMessage(p2p('bob', 'alice', 1));
      const next = (BigInt(ledger.position()) + 1n).toString();
      const waiting = ledger.waitForPosition(next, { timeoutMs: 10_000 });
      await ledger.account('alice').receiveMessage(p2p('bob', 'alice', 2));
      expect(await waiting).to.equal(true);
    } finally {
      await ledger.close();
    }
  });
});

describe('API logger and Symbol.asyncDispose', () => {
  it('a throwing device-view callback goes to the logger, and delivery goes on', async () => {
    const logger = recordingLogger();
    const ledger = await createLedger({ store: 'memory', clock: () => 1000, logger });
    try {
      const seen: string[] = [];
      const view = ledger.account('alice', { onupdatesession: () => { throw new Error('callback bug'); } });
      view.updates$.subscribe((s) => seen.push(s.id));
      await view.receiveMessage(p2p('bob', 'alice', 1));
      expect(seen).to.deep.equal(['p2p-bob']);
      expect(logger.lines).to.deep.equal([{ level: 'error', message: 'a callback threw', fields: { error: 'callback bug' } }]);
    } finally {
      await ledger.close();
    }
  });

  it('`await using` closes the ledger at the end of its block', async () => {
    let kept: Ledger | undefined;
    {
      await using ledger = await Ledger.open({ store: new MemoryEventStore(), clock: () => 1000 });
      kept = ledger;
      await ledger.account('alice').ready;
    }
    expect(() => kept!.account('alice')).to.throw('closed');
  });
});

describe('API history() is typed by event type', () => {
  it('S10.3 narrowing on type gives each event its own data; the session\'s current-session changes are in it, in log order', async () => {
    const ledger = await Ledger.open({ store: new MemoryEventStore(), clock: () => 1000 });
    try {
      const v = ledger.account('alice');
      await v.receiveMessage(p2p('bob', 'alice', 1, { idClient: 'one' }));
      await v.setCurrSession('p2p-bob');
      await v.receiveMessage(p2p('bob', 'alice', 2, { idClient: 'two' }));
      const described = (await ledger.history({ account: 'alice', sessionId: 'p2p-bob' })).map((e) => {
        switch (e.type) {
          case 'MessageReceived':
            return `${e.type} ${e.data.message.idClient}`;
          case 'CurrentSessionSet':
            return `${e.type} on ${e.data.device} with mark ${e.data.mark}`;
          default:
            return e.type;
        }
      });
      expect(described).to.deep.equal(['MessageReceived one', 'CurrentSessionSet on default with mark 1', 'MessageReceived two']);
    } finally {
      await ledger.close();
    }
  });
});
