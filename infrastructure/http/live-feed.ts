import type { ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import type { DeviceView, DeviceViewOptions } from '../../application/api/device-view.js';
import type { Ledger } from '../../application/api/ledger.js';
import { GetLocalSessions, GetTotalUnread } from '../../application/read/session-queries.js';

export interface LiveOptions {
  /** events kept per device view for resuming (default 1000) */
  readonly bufferSize?: number;
  /** how long a view with no connection keeps its buffer (default 5 min) */
  readonly idleMs?: number;
  /** device views followed at once (default 5000): the idlest is dropped past it */
  readonly maxViews?: number;
  /** a connection whose unsent output passes this is dropped, to resume later (default 1 MiB) */
  readonly maxPendingBytes?: number;
  /** how long a Last-Event-ID ahead of this process waits for its read models (default 2 s) */
  readonly aheadWaitMs?: number;
  /** live connections one account may hold at once, opening ones included (default 50) */
  readonly maxConnectionsPerAccount?: number;
  /** comment lines keep idle connections open through proxies (default 15 s) */
  readonly heartbeatMs?: number;
}

/** The view a connection follows; the mode options open it as the device's SDK handle would (S4). */
export interface LiveView extends Pick<DeviceViewOptions, 'db' | 'syncSessionUnread' | 'autoMarkRead'> {
  readonly account: string;
  readonly device: string;
}

interface Entry {
  readonly position: bigint;
  readonly text: string;
}

interface Client {
  readonly res: ServerResponse;
  sentUpTo: bigint;
}

/** S3.3: a fresh connection's first `sessions` event carries the most recent 100, ascending. */
const INITIAL_SESSIONS = 100;

/** One SSE event; without `position` it has no id, so a client's Last-Event-ID stays the previous one. */
function frame(event: string, position: bigint | undefined, data: unknown): string {
  return `event: ${event}\n${position === undefined ? '' : `id: ${position}\n`}data: ${JSON.stringify(data)}\n\n`;
}

/**
 * What one applied batch changed in a view: every change of a batch happens at one position, so
 * they travel as one entry whose last event alone carries the id. A client cut inside it resumes
 * from the previous id and gets the whole batch again; none of it is skipped as already sent.
 */
interface Batch {
  readonly position: bigint;
  readonly events: { readonly event: 'session' | 'removed'; readonly data: object }[];
  /** the view's total unread after the batch, read when its first change arrived */
  readonly total: Promise<number>;
}

/** What one device view sent lately, for the connections that follow it. */
class ViewFeed {
  readonly view: DeviceView;
  readonly clients = new Set<Client>();
  /** every event of this view after `floor` is in `buffer` */
  floor: bigint;
  idleSince = Date.now();
  private readonly buffer: Entry[] = [];
  private readonly subscription: Subscription;
  private batch: Batch | undefined;
  /** every write goes through this chain, so each connection sees events in log order */
  private chain: Promise<void> = Promise.resolve();

  readonly account: string;
  readonly device: string;

  constructor(private readonly ledger: Ledger, { account, ...options }: LiveView, private readonly feeds: LiveFeeds) {
    this.account = account;
    this.device = options.device;
    this.view = ledger.account(account, options);
    this.floor = BigInt(ledger.position());
    this.subscription = this.view.updates$.subscribe((session) => this.add('session', { session }));
    // The seed's onupdatesession says nothing of deletions (S7.3, S7.4) nor of a db:false device's
    // sync forgetting a local insert (S7.7): without `removed` a live list would keep the session and
    // its unread, and disagree with the total. The view's removed$ tells both.
    this.subscription.add(this.view.removed$.subscribe((sessionId) => this.add('removed', { sessionId })));
  }

  /** Runs `step` after every write queued before it. */
  enqueue(step: () => void | Promise<void>): Promise<void> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** A batch's changes arrive synchronously, one after another; the chain sends them together. */
  private add(event: Batch['events'][number]['event'], data: object): void {
    // The position and the total are read now, at this batch; only their delivery waits for the chain.
    const position = BigInt(this.ledger.position());
    let batch = this.batch;
    if (!batch || batch.position !== position) {
      const opened: Batch = { position, events: [], total: this.ledger.queries.execute(new GetTotalUnread({ account: this.account, device: this.device })) };
      this.batch = batch = opened;
      void this.enqueue(async () => {
        if (this.batch === opened) this.batch = undefined;
        const total = await opened.total;
        const last = opened.events.length - 1;
        this.publish({ position, text: opened.events.map((e, i) => frame(e.event, i === last ? position : undefined, { ...e.data, total })).join('') });
      });
    }
    batch.events.push({ event, data });
  }

  private publish(entry: Entry): void {
    this.buffer.push(entry);
    while (this.buffer.length > this.feeds.bufferSize) this.floor = this.buffer.shift()!.position;
    for (const client of this.clients) {
      if (entry.position <= client.sentUpTo) continue;
      client.sentUpTo = entry.position;
      this.feeds.write(this, client, entry.text);
    }
  }

  /** The buffered events after `position`, or undefined when some of them are gone. */
  since(position: bigint): Entry[] | undefined {
    if (position < this.floor) return undefined;
    return this.buffer.filter((e) => e.position > position);
  }

  close(): void {
    this.subscription.unsubscribe();
    for (const client of this.clients) client.res.end();
    this.clients.clear();
    this.view.close();
  }
}

/**
 * Server-Sent Events per device view (README, "The HTTP service": `live`): a fresh connection gets one `sessions`
 * event, then a `session` event per change, each with the view's total unread and the position
 * as its id. `Last-Event-ID` resumes from a bounded buffer kept per view in this process; a
 * position it cannot serve gets `refetch`, and the client reads the list again.
 */
export class LiveFeeds {
  readonly bufferSize: number;
  private readonly feeds = new Map<string, ViewFeed>();
  private readonly perAccount = new Map<string, number>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly ledger: Ledger, private readonly options: LiveOptions = {}, private readonly onCount: (delta: number) => void = () => undefined) {
    this.bufferSize = options.bufferSize ?? 1000;
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get connections(): number {
    let n = 0;
    for (const feed of this.feeds.values()) n += feed.clients.size;
    return n;
  }

  /** Counts a connection against its account until `res` closes; false when the account is at its limit. */
  admit(account: string, res: ServerResponse): boolean {
    const held = this.perAccount.get(account) ?? 0;
    if (held >= (this.options.maxConnectionsPerAccount ?? 50)) return false;
    this.perAccount.set(account, held + 1);
    res.once('close', () => {
      const left = (this.perAccount.get(account) ?? 1) - 1;
      void (left > 0 ? this.perAccount.set(account, left) : this.perAccount.delete(account));
    });
    return true;
  }

  /** Takes over `res` for the life of the connection. */
  async connect(res: ServerResponse, view: LiveView, lastEventId: string | undefined): Promise<void> {
    if (this.closed) throw new Error('the live feeds are closed');
    const feed = this.feedOf(view);
    await feed.view.ready;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 1000\n\n');
    const client: Client = { res, sentUpTo: -1n };
    res.on('close', () => this.drop(feed, client));
    const resumeFrom = lastEventId !== undefined && /^-?\d{1,30}$/.test(lastEventId.trim()) ? BigInt(lastEventId.trim()) : undefined;
    if (lastEventId === undefined) return this.start(feed, client);
    // A position ahead of this process (another copy answered it): wait for the read models briefly.
    if (resumeFrom !== undefined && resumeFrom > BigInt(this.ledger.position())) await this.ledger.waitForPosition(resumeFrom.toString(), { timeoutMs: this.options.aheadWaitMs ?? 2000 });
    return this.resume(feed, client, resumeFrom, lastEventId);
  }

  private start(feed: ViewFeed, client: Client): Promise<void> {
    const position = BigInt(this.ledger.position());
    const base = { account: feed.account, device: feed.device };
    const list = this.ledger.queries.execute(new GetLocalSessions({ ...base, limit: INITIAL_SESSIONS }));
    const total = this.ledger.queries.execute(new GetTotalUnread(base));
    return feed.enqueue(async () => {
      const sessions = (await list).sessions.reverse();
      this.attach(feed, client, position, frame('sessions', position, { sessions, total: await total }));
    });
  }

  private resume(feed: ViewFeed, client: Client, from: bigint | undefined, raw: string): Promise<void> {
    return feed.enqueue(() => {
      const now = BigInt(this.ledger.position());
      const missed = from !== undefined && from <= now ? feed.since(from) : undefined;
      if (!missed) {
        const reason = from === undefined ? `Last-Event-ID ${JSON.stringify(raw)} is not a position` : from > now ? `position ${from} is ahead of this server (${now})` : `position ${from} is older than this server keeps`;
        this.attach(feed, client, now, frame('refetch', now, { reason, position: now.toString() }));
        return;
      }
      this.attach(feed, client, missed.at(-1)?.position ?? from!, missed.map((e) => e.text).join(''));
    });
  }

  private attach(feed: ViewFeed, client: Client, sentUpTo: bigint, text: string): void {
    if (client.res.destroyed) return;
    client.sentUpTo = sentUpTo;
    feed.clients.add(client);
    this.onCount(1);
    if (text) this.write(feed, client, text);
  }

  /** A connection that cannot keep up is cut; it resumes from its last id. */
  write(feed: ViewFeed, client: Client, text: string): void {
    client.res.write(text);
    if (client.res.writableLength > (this.options.maxPendingBytes ?? 1 << 20)) {
      client.res.destroy();
      this.drop(feed, client);
    }
  }

  private drop(feed: ViewFeed, client: Client): void {
    if (!feed.clients.delete(client)) return;
    this.onCount(-1);
    if (feed.clients.size === 0) feed.idleSince = Date.now();
  }

  private feedOf(view: LiveView): ViewFeed {
    const key = JSON.stringify([view.account, view.device, view.db, view.syncSessionUnread, view.autoMarkRead]);
    let feed = this.feeds.get(key);
    if (!feed) {
      this.evictIdle(this.options.maxViews ?? 5000);
      feed = new ViewFeed(this.ledger, view, this);
      this.feeds.set(key, feed);
    }
    return feed;
  }

  /** Drops views idle past `idleMs`, and the idlest ones while over `max`. */
  private evictIdle(max: number): void {
    const idleMs = this.options.idleMs ?? 300_000;
    const now = Date.now();
    const idle = [...this.feeds].filter(([, f]) => f.clients.size === 0).sort((a, b) => a[1].idleSince - b[1].idleSince);
    let over = this.feeds.size - max + 1;
    for (const [key, feed] of idle) {
      if (over <= 0 && now - feed.idleSince < idleMs) break;
      feed.close();
      this.feeds.delete(key);
      over--;
    }
  }

  private beat(): void {
    for (const feed of this.feeds.values()) for (const client of feed.clients) client.res.write(': keep-alive\n\n');
    this.evictIdle(this.options.maxViews ?? 5000);
  }

  /** Ends every connection (clients resume from their last id); the views stay followed. */
  disconnectAll(): void {
    for (const feed of this.feeds.values()) {
      for (const client of [...feed.clients]) {
        client.res.destroy();
        this.drop(feed, client);
      }
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const feed of this.feeds.values()) {
      for (const client of feed.clients) this.onCount(-1);
      feed.close();
    }
    this.feeds.clear();
  }
}
