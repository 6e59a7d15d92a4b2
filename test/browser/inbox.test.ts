import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { SendMessage } from '../../application/commands/index.js';
import { DemoTraffic } from '../../infrastructure/http/demo-traffic.js';
import { openHttpFixture, message, SECRET, type HttpFixture } from '../http/service-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = join(process.cwd(), 'test', 'artifacts');

/** What a person sees in the list: session, badge, in order. */
async function visibleList(page: Page): Promise<[string, number][]> {
  return page.$$eval('#sessions li', (items) => items.map((li) => [(li as HTMLElement).dataset['sessionId']!, Number(li.querySelector('.badge')!.textContent)] as [string, number]));
}

async function total(page: Page): Promise<number> {
  return Number(await page.textContent('#total'));
}

describe('web inbox in Chromium (issue 11: badges, order, open, live, reconnect)', function () {
  this.timeout(60_000);
  let f: HttpFixture;
  let context: BrowserContext;
  let profile: string;
  let page: Page;

  before(function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    skipped: ${CHROMIUM} is missing (install it with: apt-get install -y chromium; .ci/run does)`);
      this.skip();
    }
  });

  beforeEach(async () => {
    f = await openHttpFixture({ auth: { secret: SECRET, development: true }, demoTraffic: true });
    await new DemoTraffic(f.ledger).register();
    profile = mkdtempSync(join(tmpdir(), 'inbox-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    page = context.pages()[0] ?? await context.newPage();
  });

  afterEach(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    await f.close();
  });

  const say = async (from: string, id: string) => {
    f.clock.now += 60_000;
    await f.ledger.commands.dispatch(new SendMessage({ account: from, device: 'phone', message: message(from, 'alice', f.clock.now, id) }));
  };

  it('shows badges in order, clears one on open, takes a live update, and is right after the connection was cut and restored', async () => {
    await say('bob', 'b1');
    await say('bob', 'b2');
    await say('carol', 'c1');
    await page.goto(f.url);
    await page.waitForFunction(() => document.querySelectorAll('#sessions li').length === 2 && document.querySelector('#live-status')!.textContent === 'live');
    expect(await visibleList(page)).to.deep.equal([['p2p-carol', 1], ['p2p-bob', 2]]);
    expect(await total(page)).to.equal(3);
    expect(await page.getAttribute('#sessions li[data-session-id="p2p-bob"] button', 'aria-label')).to.contain('2 unread');

    // opening a session calls setCurrSession: its badge clears, its messages and timeline show
    await page.click('#sessions li[data-session-id="p2p-bob"] button');
    await page.waitForFunction(() => document.querySelectorAll('#messages li').length === 2 && document.querySelector('#total')!.textContent === '1');
    expect(await visibleList(page)).to.deep.equal([['p2p-carol', 1], ['p2p-bob', 0]]);
    expect(await page.$$eval('#messages li', (li) => li.map((x) => x.lastChild!.textContent))).to.deep.equal(['hello from bob', 'hello from bob']);
    expect(await page.$$eval('#timeline tbody tr', (rows) => rows.map((r) => [r.children[1]!.textContent, r.children[3]!.textContent]))).to.deep.equal([
      ['MessageReceived', '1'], ['MessageReceived', '2'], ['CurrentSessionSet', '0'],
    ]);

    // a live update moves a new session to the top
    await say('dave', 'd1');
    await page.waitForFunction(() => document.querySelector('#sessions li')?.getAttribute('data-session-id') === 'p2p-dave');
    expect(await visibleList(page)).to.deep.equal([['p2p-dave', 1], ['p2p-carol', 1], ['p2p-bob', 0]]);
    expect(await total(page)).to.equal(2);

    // the connection is cut; what happens meanwhile is in the list once it is back
    await context.setOffline(true);
    f.service.live.disconnectAll();
    await page.waitForFunction(() => document.querySelector('#live-status')!.textContent === 'reconnecting…');
    await say('erin', 'e1');
    await say('carol', 'c2');
    await context.setOffline(false);
    await page.waitForFunction(() => document.querySelector('#live-status')!.textContent === 'live' && document.querySelectorAll('#sessions li').length === 4);
    await page.waitForFunction(() => document.querySelector('#sessions li')?.getAttribute('data-session-id') === 'p2p-carol');
    const list = await visibleList(page);
    expect(list).to.deep.equal([['p2p-carol', 2], ['p2p-erin', 1], ['p2p-dave', 1], ['p2p-bob', 0]]);
    expect(await total(page)).to.equal(list.reduce((n, [, badge]) => n + badge, 0));

    // "simulate traffic" drives the demo workload: the list moves and the total still adds up
    const before = f.ledger.position();
    await page.click('#simulate');
    await page.waitForFunction(() => !(document.querySelector('#simulate') as HTMLButtonElement).disabled && document.querySelector('#chart polyline') !== null);
    expect(BigInt(f.ledger.position()) > BigInt(before)).to.equal(true);
    await page.waitForFunction(async () => {
      const sum = Array.from(document.querySelectorAll('#sessions .badge')).reduce((n, b) => n + Number(b.textContent), 0);
      return sum === Number(document.querySelector('#total')!.textContent);
    });
    const { total: serverTotal } = await (await fetch(`${f.url}/v1/accounts/alice/unread?device=phone`, { headers: { authorization: `Bearer ${f.token('alice', { device: 'phone' })}` } })).json() as { total: number };
    await page.waitForFunction((t) => Number(document.querySelector('#total')!.textContent) === t, serverTotal);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'inbox.png'), fullPage: true });

    // picking another account shows its own list, live, with its own total
    await page.selectOption('#who', { label: 'bob on phone' });
    await page.waitForFunction(() => document.querySelector('#sessions li[data-session-id="p2p-alice"]') !== null && document.querySelector('#live-status')!.textContent === 'live');
    const bobs = await visibleList(page);
    const { sessions } = await (await fetch(`${f.url}/v1/accounts/bob/sessions?device=phone`, { headers: { authorization: `Bearer ${f.token('bob', { device: 'phone' })}` } })).json() as { sessions: { id: string; unread: number }[] };
    expect(bobs).to.deep.equal(sessions.map((s) => [s.id, s.unread]));
    expect(await total(page)).to.equal(bobs.reduce((n, [, badge]) => n + badge, 0));
  });
});
