/**
 * Runs a generated history against a ledger and the reference model side by side, then compares
 * every device's list. Histories are plain data so fast-check can shrink them.
 */
import fc from 'fast-check';
import type { DeviceView, Ledger, Message, Session } from '../../index.js';
import { ReferenceModel, sessionIdFor, type Mode } from '../model/reference-model.js';

export const ACCOUNTS = ['a', 'b', 'c'] as const;
/** two devices for a and b, one for c; their modes are drawn per history */
export const DEVICES: ReadonlyArray<{ account: string; device: string }> = [
  { account: 'a', device: 'a1' }, { account: 'a', device: 'a2' }, { account: 'b', device: 'b1' }, { account: 'b', device: 'b2' }, { account: 'c', device: 'c1' },
];
const PEOPLE = ['a', 'b', 'c', 'z'];
const SESSION_IDS = ['p2p-a', 'p2p-b', 'p2p-c', 'p2p-z', 'team-t1'];
export const BASE_TIME = 1_000_000_000_000;

export interface MessageDef {
  readonly from: number;
  readonly to: number;
  readonly team: boolean;
  readonly offset: number;
  readonly countable: boolean;
}

export type Op =
  | { readonly op: 'open' | 'close' | 'resetAll' | 'resetCurr'; readonly dev: number }
  | { readonly op: 'receive' | 'send'; readonly dev: number; readonly msg: number }
  | { readonly op: 'sync'; readonly dev: number; readonly roaming: readonly number[]; readonly offline: readonly number[] }
  | { readonly op: 'setCurr' | 'reset' | 'insert' | 'deleteLocal' | 'deleteServer'; readonly dev: number; readonly session: number }
  | { readonly op: 'update'; readonly dev: number; readonly session: number; readonly custom: number }
  | { readonly op: 'tick'; readonly ms: number };

export interface History {
  readonly modes: readonly Mode[];
  readonly pool: readonly MessageDef[];
  readonly ops: readonly Op[];
}

const dev = fc.nat({ max: DEVICES.length - 1 });
const msgIdx = fc.nat({ max: 15 });
const session = fc.nat({ max: SESSION_IDS.length - 1 });

/** message times: mostly near the clock, some equal, some far behind or ahead of it */
const offset = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -5, max: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 10, 20) },
  { weight: 1, arbitrary: fc.integer({ min: -10_000_000, max: 10_000_000 }) },
);

export const historyArb: fc.Arbitrary<History> = fc.record({
  modes: fc.array(fc.constantFrom<Mode>('A', 'B', 'C', 'D'), { minLength: DEVICES.length, maxLength: DEVICES.length }),
  pool: fc.array(fc.record({ from: fc.nat({ max: 3 }), to: fc.nat({ max: 3 }), team: fc.boolean(), offset, countable: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) }), { minLength: 16, maxLength: 16 }),
  ops: fc.array(fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('open' as const), dev }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('close' as const), dev }) },
    { weight: 8, arbitrary: fc.record({ op: fc.constant('receive' as const), dev, msg: msgIdx }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('send' as const), dev, msg: msgIdx }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('sync' as const), dev, roaming: fc.array(msgIdx, { maxLength: 4 }), offline: fc.array(msgIdx, { maxLength: 4 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('setCurr' as const), dev, session }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('reset' as const), dev, session }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('resetAll' as const), dev }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('resetCurr' as const), dev }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('insert' as const), dev, session }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('update' as const), dev, session, custom: fc.nat({ max: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteLocal' as const), dev, session }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteServer' as const), dev, session }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.nat({ max: 3 }) }) },
  ), { maxLength: 60, size: 'max' }),
});

export const MODE_OPTIONS: Record<Mode, { db: boolean; syncSessionUnread?: boolean; autoMarkRead?: boolean }> = {
  A: { db: true, syncSessionUnread: true },
  B: { db: true, syncSessionUnread: false },
  C: { db: false, autoMarkRead: false },
  D: { db: false, autoMarkRead: true },
};

/** The pool's i-th message; its identity and content depend only on i, so a repeat is a duplicate. */
function messageOf(pool: readonly MessageDef[], i: number): Message {
  const def = pool[i % pool.length]!;
  const from = PEOPLE[def.from]!;
  let to = PEOPLE[def.to]!;
  if (!def.team && to === from) to = PEOPLE[(def.to + 1) % PEOPLE.length]!;
  return {
    scene: def.team ? 'team' : 'p2p', from, to: def.team ? 't1' : to, idClient: `m${i % pool.length}`, type: 'text', text: `t${i}`,
    time: BASE_TIME + def.offset, ...(def.countable ? {} : { isUnreadable: false }),
  };
}

/** does `account`'s list take this message (p2p: it is a party; team: always) */
const involves = (account: string, msg: Message) => msg.scene !== 'p2p' || msg.from === account || msg.to === account;

export interface Mismatch {
  readonly where: string;
  readonly expected: unknown;
  readonly got: unknown;
}

export interface Outcome {
  readonly mismatches: Mismatch[];
  /** invariant failures that hold whatever the rules say: order, paging, totals, replay */
  readonly broken: string[];
}

/** Plays `history` on `ledger` and on a fresh model; the clock object is the ledger's. */
export async function play(ledger: Ledger, clock: { now: number }, history: History): Promise<Outcome> {
  const model = new ReferenceModel();
  const views = new Map<number, DeviceView>();
  const mismatches: Mismatch[] = [];
  const opened = new Set<number>();
  const open = async (d: number) => {
    if (views.has(d)) return;
    const { account, device } = DEVICES[d]!;
    const mode = history.modes[d]!;
    model.open(account, device, mode);
    const view = ledger.account(account, { device, ...MODE_OPTIONS[mode] });
    views.set(d, view);
    opened.add(d);
    await view.ready;
  };

  for (const [step, op] of history.ops.entries()) {
    clock.now += 1;
    if (op.op === 'tick') {
      clock.now += op.ms;
      continue;
    }
    if (op.op === 'open') {
      await open(op.dev);
      continue;
    }
    // a device's first action opens its view: that is when it registers (S4), so devices join late
    await open(op.dev);
    const view = views.get(op.dev)!;
    const { account, device } = DEVICES[op.dev]!;
    const where = `step ${step} ${JSON.stringify(op)} on ${account}/${device}`;
    switch (op.op) {
      case 'close':
        await view.close();
        views.delete(op.dev);
        model.close(account, device);
        break;
      case 'receive': {
        const msg = messageOf(history.pool, op.msg);
        if (!involves(account, msg)) break;
        await view.receiveMessage(msg);
        model.record(account, msg, 'online', 'online');
        break;
      }
      case 'send': {
        const msg = messageOf(history.pool, op.msg);
        if (msg.from !== account) break;
        await view.sendMessage(msg);
        model.record(account, msg, 'online', 'online');
        break;
      }
      case 'sync': {
        const roaming = op.roaming.map((i) => messageOf(history.pool, i)).filter((m) => involves(account, m));
        const offline = op.offline.map((i) => messageOf(history.pool, i)).filter((m) => involves(account, m));
        await view.syncMessages({ roaming, offline });
        model.sync(account, device, roaming, offline);
        break;
      }
      case 'setCurr':
        await view.setCurrSession(SESSION_IDS[op.session]!);
        model.setCurrSession(account, device, SESSION_IDS[op.session]!);
        break;
      case 'reset':
        await view.resetSessionUnread(SESSION_IDS[op.session]!);
        model.resetSessionUnread(account, device, SESSION_IDS[op.session]!);
        break;
      case 'resetAll':
        await view.resetAllSessionUnread();
        model.resetAllSessionUnread(account, device);
        break;
      case 'resetCurr':
        await view.resetCurrSession();
        model.resetCurrSession(account, device);
        break;
      case 'insert': {
        const id = SESSION_IDS[op.session]!;
        const [scene, to] = [id.slice(0, id.indexOf('-')), id.slice(id.indexOf('-') + 1)] as ['p2p' | 'team', string];
        if (scene === 'p2p' && to === account) break;
        const allowed = model.canInsert(account, device, id);
        const inserted = await view.insertLocalSession({ scene, to }).then(({ session: made }) => made, () => undefined);
        if (inserted) model.insertLocalSession(account, device, id, inserted.updateTime);
        if ((inserted !== undefined) !== allowed) mismatches.push({ where, expected: allowed ? 'inserted' : 'refused', got: inserted ? 'inserted' : 'refused' });
        break;
      }
      case 'update': {
        const id = SESSION_IDS[op.session]!;
        const expected = model.updateLocalSession(account, device, id, `c${op.custom}`);
        const got = await view.updateLocalSession({ id, localCustom: `c${op.custom}` });
        if ((got !== null) !== expected) mismatches.push({ where, expected: expected ? 'updated' : 'null', got: got === null ? 'null' : 'updated' });
        break;
      }
      case 'deleteLocal':
        await view.deleteLocalSession({ id: SESSION_IDS[op.session]! });
        model.deleteLocalSession(account, device, SESSION_IDS[op.session]!);
        break;
      case 'deleteServer': {
        const id = SESSION_IDS[op.session]!;
        const [scene, to] = [id.slice(0, id.indexOf('-')), id.slice(id.indexOf('-') + 1)] as ['p2p' | 'team', string];
        if (scene === 'p2p' && to === account) break;
        await view.deleteSession({ scene, to });
        model.deleteSession(account, id);
        break;
      }
    }
  }

  // every device that ever opened is looked at through an open view (a closed one opens again: S4.2 ends its current session)
  for (const d of opened) await open(d);
  const broken: string[] = [];
  for (const d of opened) {
    const { account, device } = DEVICES[d]!;
    const view = views.get(d)!;
    const full = (await view.getLocalSessions({ limit: 100 })).sessions;
    broken.push(...(await checkInvariants(ledger, view, full, clock.now, `${account}/${device}`)));
    const expected = new Map(model.sessions(account, device).map((s) => [s.id, s]));
    for (const s of full) {
      const e = expected.get(s.id);
      const where = `${account}/${device} ${s.id} (mode ${model.modeOf(account, device)})`;
      if (!e) {
        mismatches.push({ where, expected: 'absent', got: brief(s) });
        continue;
      }
      expected.delete(s.id);
      const got = { unread: s.unread, lastMsg: s.lastMsg ? `${s.lastMsg.from}/${s.lastMsg.idClient}` : undefined, localCustom: s.localCustom };
      const want = { unread: e.unread, lastMsg: e.lastMsg, localCustom: e.localCustom };
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push({ where, expected: want, got });
      if (e.updateTime !== undefined && s.updateTime !== e.updateTime) mismatches.push({ where: `${where} updateTime`, expected: e.updateTime, got: s.updateTime });
    }
    for (const e of expected.values()) mismatches.push({ where: `${account}/${device} ${e.id}`, expected: e, got: 'absent' });
  }
  for (const view of views.values()) view.close();
  return { mismatches, broken };
}

const brief = (s: Session) => ({ unread: s.unread, lastMsg: s.lastMsg ? `${s.lastMsg.from}/${s.lastMsg.idClient}` : undefined });

/** S4.7, S6.1, S10.3: order, paging, totals and replay agree with each other, whatever the rules. */
async function checkInvariants(ledger: Ledger, view: DeviceView, full: readonly Session[], now: number, who: string): Promise<string[]> {
  const broken: string[] = [];
  for (let i = 1; i < full.length; i++) {
    const [p, q] = [full[i - 1]!, full[i]!];
    if (p.updateTime < q.updateTime || (p.updateTime === q.updateTime && p.id <= q.id)) broken.push(`${who}: ${p.id} before ${q.id} breaks (updateTime, id) descending`);
  }
  if (full.some((s) => s.unread < 0)) broken.push(`${who}: negative unread`);
  const paged: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = (await view.getLocalSessions({ limit: 2, ...(cursor ? { lastSessionId: cursor } : {}) })).sessions;
    if (page.length === 0) break;
    paged.push(...page.map((s) => s.id));
    cursor = page[page.length - 1]!.id;
  }
  if (paged.join() !== full.map((s) => s.id).join()) broken.push(`${who}: pages ${paged.join()} differ from the list ${full.map((s) => s.id).join()}`);
  const reversed = (await view.getLocalSessions({ limit: 100, reverse: true })).sessions.map((s) => s.id);
  if (reversed.join() !== full.map((s) => s.id).reverse().join()) broken.push(`${who}: reverse order is not the exact reverse`);
  const total = await view.getTotalUnread();
  const sum = full.reduce((n, s) => n + s.unread, 0);
  if (total !== sum) broken.push(`${who}: getTotalUnread ${total} but the pages sum to ${sum}`);
  const at = await ledger.sessionsAt({ account: view.account, device: view.device, at: now });
  const live = full.map(brief);
  if (JSON.stringify(at.map(brief)) !== JSON.stringify(live)) broken.push(`${who}: sessionsAt(now) ${JSON.stringify(at.map(brief))} differs from live ${JSON.stringify(live)}`);
  return broken;
}

export { sessionIdFor };
