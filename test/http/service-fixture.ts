import { request as httpRequest, type IncomingMessage } from 'node:http';
import { signToken } from '../../infrastructure/http/auth.js';
import { DemoTraffic } from '../../infrastructure/http/demo-traffic.js';
import { silentLogger } from '../../infrastructure/http/logger.js';
import { createService, openServiceLedger, type Service, type ServiceOptions } from '../../infrastructure/http/server.js';
import type { Ledger } from '../../application/api/ledger.js';

export const SECRET = 'test-secret-0123456789';

export interface HttpFixture {
  ledger: Ledger;
  service: Service;
  url: string;
  clock: { now: number };
  token(sub: string, extra?: { device?: string; admin?: boolean }): string;
  /** fetch with a bearer token for `as` (an account), JSON in and out */
  call(method: string, path: string, options?: { as?: string | null; token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /** RegisterDevice over HTTP, as a device's first call */
  register(account: string, device?: string, options?: Record<string, boolean>): Promise<void>;
  close(): Promise<void>;
}

export async function openHttpFixture(options: Omit<Partial<ServiceOptions>, 'store'> & { store?: string; readModels?: string; demoTraffic?: boolean } = {}): Promise<HttpFixture> {
  const clock = { now: 1_700_000_000_000 };
  const { store: storeUrl, readModels, demoTraffic, ...rest } = options;
  const { ledger, store } = await openServiceLedger(storeUrl ?? "memory", () => clock.now, undefined, readModels);
  const demo = demoTraffic ? { demo: new DemoTraffic(ledger, () => clock.now) } : {};
  const service = await createService({ ledger, store, auth: { secret: SECRET, development: false }, logger: silentLogger, defaultMetrics: false, ...demo, ...rest });
  const url = await service.listen(0, '127.0.0.1');
  const token = (sub: string, extra: { device?: string; admin?: boolean } = {}) => signToken(SECRET, { sub, ...extra });
  const fixture: HttpFixture = {
    ledger, service, url, clock, token,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const bearer = o.token ?? (o.as === null ? undefined : token(o.as ?? 'alice', { device: 'phone' }));
      if (bearer) headers['authorization'] = `Bearer ${bearer}`;
      let body: string | undefined;
      if (o.body !== undefined) {
        body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, { method, headers, ...(body !== undefined && { body }) });
      const text = await res.text();
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON: keep the text */ }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async register(account, device = 'phone', options = {}) {
      const res = await fixture.call('POST', '/v1/commands/RegisterDevice', { token: token(account, { device }), body: options });
      if (res.status !== 200) throw new Error(`RegisterDevice: ${res.status} ${JSON.stringify(res.body)}`);
    },
    async close() {
      await service.close();
      await ledger.close();
    },
  };
  return fixture;
}

export function message(from: string, to: string, time: number, idClient: string, extra: Record<string, unknown> = {}) {
  return { scene: 'p2p', from, to, idClient, type: 'text', text: `hello from ${from}`, time, ...extra };
}

export interface SseEvent {
  event: string;
  id: string;
  data: any;
}

/** An open Server-Sent Events connection; `next()` resolves with the next event. */
export interface SseConnection {
  readonly status: number;
  next(): Promise<SseEvent>;
  close(): void;
  readonly closed: Promise<void>;
}

export function openSse(url: string, token: string, lastEventId?: string): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId !== undefined && { 'last-event-id': lastEventId }) } }, (res: IncomingMessage) => {
      const queue: SseEvent[] = [];
      const waiting: ((e: SseEvent) => void)[] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || !line.includes(':')) continue;
            const at = line.indexOf(':');
            fields[line.slice(0, at)] = line.slice(at + 1).trimStart();
          }
          if (!fields['event']) continue;
          const e = { event: fields['event'], id: fields['id'] ?? '', data: JSON.parse(fields['data'] ?? 'null') };
          const w = waiting.shift();
          if (w) w(e);
          else queue.push(e);
        }
      });
      const closed = new Promise<void>((r) => res.on('close', () => r()));
      resolve({
        status: res.statusCode ?? 0,
        next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((r) => waiting.push(r))),
        close: () => req.destroy(),
        closed,
      });
    });
    req.on('error', reject);
    req.end();
  });
}
