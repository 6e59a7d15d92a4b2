import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, openSync, closeSync, readSync, writeSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createLedger } from '../../infrastructure/create-ledger.js';
import { projectionRunnerOf, type Ledger } from '../../application/api/ledger.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
const ROUNDS = 20;
const ACCOUNTS = ['a0', 'a1', 'a2', 'a3', 'a4'];
const DEVICES = ['phone', 'pc'];

interface Ack { kind: 'send' | 'receive'; account: string; peer: string; idClient: string }

let seed = 0x5eed;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32);

/** Runs the child until its k-th acknowledgement, then SIGKILLs it; resolves what it acknowledged. */
function runAndKill(path: string, round: number, k: number, whileRunning?: () => Promise<void>): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, path, String(round), String(Math.floor(random() * 2 ** 31))], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let stderr = '';
    let killed = false;
    let during: Promise<void> = Promise.resolve();
    child.stderr.on('data', (d) => { stderr += String(d); });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (killed) return;
      acks.push(JSON.parse(line) as Ack);
      // The check runs while the child holds the store: the kill waits for it.
      if (acks.length === 1 && whileRunning) during = whileRunning();
      if (acks.length >= k) {
        killed = true;
        during.then(() => child.kill('SIGKILL'), (error: unknown) => { child.kill('SIGKILL'); reject(error); });
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`the child exited by itself (code ${code}): ${stderr}`));
    });
  });
}

async function messagesIn(ledger: Ledger, account: string, peer: string, idClient: string): Promise<string[]> {
  const events = await ledger.history({ account, sessionId: `p2p-${peer}` });
  return events.filter((e) => (e.type === 'MessageReceived' || e.type === 'MessageSent') && e.data.message.idClient === idClient).map((e) => e.type);
}

/** Every device's live list equals a replay of the account's history from 0 (sessionsAt). */
async function expectReadModelsEqualReplay(ledger: Ledger): Promise<number> {
  let sessions = 0;
  for (const account of ACCOUNTS) {
    for (const device of DEVICES) {
      const live = ledger.reader.allSessions(account, device);
      const replayed = await ledger.sessionsAt({ account, device, at: Number.MAX_SAFE_INTEGER });
      expect(live, `${account}/${device}`).to.deep.equal(replayed);
      sessions += live.length;
    }
  }
  return sessions;
}

/** Nothing half-applied: every message a sender's list holds as sent is in the peer's list, once. */
async function expectNoHalfSends(ledger: Ledger): Promise<number> {
  let sends = 0;
  for (const account of ACCOUNTS) {
    for (const peer of ACCOUNTS.filter((p) => p !== account)) {
      const sent = (await ledger.history({ account, sessionId: `p2p-${peer}` })).filter((e) => e.type === 'MessageSent').map((e) => e.data.message.idClient as string);
      const received = (await ledger.history({ account: peer, sessionId: `p2p-${account}` })).filter((e) => e.type === 'MessageReceived').map((e) => e.data.message.idClient as string);
      expect(new Set(sent).size, `${account} → ${peer} sent once each`).to.equal(sent.length);
      for (const id of sent) expect(received.filter((r) => r === id), `${id} from ${account} in ${peer}'s list`).to.have.length(1);
      sends += sent.length;
    }
  }
  return sends;
}

async function expectAcknowledged(ledger: Ledger, acks: readonly Ack[]): Promise<void> {
  for (const ack of acks) {
    if (ack.kind === 'receive') {
      expect(await messagesIn(ledger, ack.account, ack.peer, ack.idClient), `${ack.idClient} received by ${ack.account}`).to.deep.equal(['MessageReceived']);
    } else {
      expect(await messagesIn(ledger, ack.account, ack.peer, ack.idClient), `${ack.idClient} sent by ${ack.account}`).to.deep.equal(['MessageSent']);
      // S2.5: a send acknowledged to the sender is in the peer's list too, once.
      expect(await messagesIn(ledger, ack.peer, ack.account, ack.idClient), `${ack.idClient} delivered to ${ack.peer}`).to.deep.equal(['MessageReceived']);
      const peerSession = ledger.reader.allSessions(ack.peer, 'phone').concat(ledger.reader.allSessions(ack.peer, 'pc'));
      if (peerSession.length > 0) expect(peerSession.map((s) => s.id)).to.include(`p2p-${ack.account}`);
    }
  }
}

/** A damaged copy either opens with consistent read models, or fails with a clear Error. */
async function openDamaged(dir: string, name: string, damage: (path: string) => void, strict = true): Promise<string> {
  const path = join(dir, name);
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(join(dir, `ledger.sqlite${suffix}`))) copyFileSync(join(dir, `ledger.sqlite${suffix}`), `${path}${suffix}`);
  damage(path);
  let ledger: Ledger | undefined;
  // The ledger reports deliveries it cannot make to its logger: collect them into the outcome.
  const reported: string[] = [];
  const ignore = () => undefined;
  const logger = { debug: ignore, info: ignore, warn: ignore, error: (message: string) => { reported.push(message); } };
  try {
    ledger = await createLedger({ store: `sqlite:${path}`, logger });
    if (!strict) {
      // The store runs PRAGMA quick_check at open (StoreCorruptError naming the file), and an
      // event whose JSON no longer parses fails its reads with StoreCorruptError naming its stream
      // and position. Left (reported): quick_check does not match index entries to rows, so a
      // flipped byte in an index page (integrity_check: "row N missing from index ...") can still
      // open, and a flip that leaves valid JSON changes an event's data unseen (no checksums).
      const problem = await expectReadModelsEqualReplay(ledger).then(() => undefined, (e: Error) => e);
      if (problem) {
        await ledger.close();
        ledger = undefined;
        const db = new Database(path);
        const check = String(db.pragma('integrity_check', { simple: true })).split('\n')[0];
        db.close();
        const what = problem.name === 'AssertionError' ? 'read models differ from a replay' : `a replay fails: ${problem.name}: ${problem.message.slice(0, 60)}`;
        return `opened, but ${what} (integrity_check: ${check})`;
      }
    } else {
      await expectReadModelsEqualReplay(ledger);
      await expectNoHalfSends(ledger);
    }
    return `opened, read models = replay${reported.length ? `; ${reported.length} reported: ${reported[0]!.slice(0, 100)}` : ''}`;
  } catch (error) {
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.be.a('string').and.not.equal('');
    if ((error as Error).name === 'AssertionError') throw error;
    return `refused: ${(error as Error).message.slice(0, 80)}`;
  } finally {
    await ledger?.close().catch(() => undefined);
  }
}

describe('crash: SIGKILL while ingesting on sqlite', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'ledger-crash-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('S10 every acknowledged command survives a SIGKILL exactly once, nothing half-applied, read models = replay; damaged files open consistent or fail clearly', async () => {
    const path = join(dir, 'ledger.sqlite');
    const all: Ack[] = [];
    let refusedSecondOpener = false;
    for (let round = 1; round <= ROUNDS; round++) {
      const k = 1 + Math.floor(random() * 40);
      const acks = await runAndKill(path, round, k, round === 1 ? async () => {
        const error = await createLedger({ store: `sqlite:${path}` }).then(async (l) => { await l.close(); return null; }, (e: Error) => e);
        expect(error?.message).to.contain('already open');
        refusedSecondOpener = true;
      } : undefined);
      all.push(...acks);
      const ledger = await createLedger({ store: `sqlite:${path}` });
      try {
        // The read-model rows commit in the same transaction as the events: a kill leaves no tail to fold.
        expect(projectionRunnerOf(ledger).eventsCaughtUp, `round ${round}: events folded at open after SIGKILL`).to.equal(0);
        await expectAcknowledged(ledger, acks);
        await expectNoHalfSends(ledger);
        await expectReadModelsEqualReplay(ledger);
      } finally {
        await ledger.close();
      }
    }
    expect(refusedSecondOpener).to.equal(true);
    const ledger = await createLedger({ store: `sqlite:${path}` });
    let sessions: number;
    let sends: number;
    try {
      await expectAcknowledged(ledger, all);
      sends = await expectNoHalfSends(ledger);
      sessions = await expectReadModelsEqualReplay(ledger);
    } finally {
      await ledger.close();
    }

    // A torn WAL (left by a kill) and flipped bytes in the main file: consistent, or a clear refusal.
    const outcomes: string[] = [];
    const wal = await runAndKill(path, ROUNDS + 1, 30);
    all.push(...wal);
    const walSize = existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
    for (let i = 0; i < 4; i++) {
      const at = Math.floor(random() * walSize);
      outcomes.push(`torn wal at ${at}/${walSize}: ${await openDamaged(dir, `torn${i}.sqlite`, (p) => { if (existsSync(`${p}-wal`)) truncateSync(`${p}-wal`, at); })}`);
    }
    const size = statSync(path).size;
    for (let i = 0; i < 4; i++) {
      outcomes.push(`flipped bytes: ${await openDamaged(dir, `flip${i}.sqlite`, (p) => {
        const fd = openSync(p, 'r+');
        try {
          for (let j = 0; j < 8; j++) {
            const at = Math.floor(random() * size);
            const byte = Buffer.alloc(1);
            readSync(fd, byte, 0, 1, at);
            byte[0] = byte[0]! ^ 0xff;
            writeSync(fd, byte, 0, 1, at);
          }
        } finally {
          closeSync(fd);
        }
      }, false)}`);
    }
    console.log(`      crash: ${ROUNDS + 1} SIGKILL rounds, ${all.length} acknowledged commands (${all.filter((a) => a.kind === 'send').length} p2p sends acknowledged, ${sends} sends in the store each in its peer's list), ${sessions} sessions checked against replay`);
    for (const outcome of outcomes) console.log(`        ${outcome}`);
  });
});
