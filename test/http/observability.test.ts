import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { message, openHttpFixture, openSse, type HttpFixture } from './service-fixture.js';

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}

describe('HTTP observability: /metrics and OpenTelemetry', () => {
  let f: HttpFixture;
  afterEach(async () => { await f?.close(); });

  it('GET /metrics counts the commands it was sent, by type and outcome, with latency histograms and live connections', async () => {
    f = await openHttpFixture();
    await f.register('alice');
    for (const id of ['m1', 'm2']) {
      await f.call('POST', '/v1/commands/SendMessage', { as: 'bob', body: { message: message('bob', 'alice', 1000 + id.length, id) } });
    }
    await f.call('POST', '/v1/commands/SendMessage', { as: 'bob', body: { message: { scene: 'p2p' } } });
    const c = await openSse(`${f.url}/v1/accounts/alice/live`, f.token('alice', { device: 'phone' }));
    await c.next();
    const text = (await f.call('GET', '/metrics', { as: null })).body as string;
    c.close();
    expect(sample(text, 'ledger_commands_total', { command: 'SendMessage', outcome: 'ok' })).to.equal(2);
    expect(sample(text, 'ledger_commands_total', { command: 'SendMessage', outcome: 'invalid' })).to.equal(1);
    expect(sample(text, 'ledger_commands_total', { command: 'RegisterDevice', outcome: 'ok' })).to.equal(1);
    expect(sample(text, 'ledger_command_duration_seconds_count', { command: 'SendMessage', outcome: 'ok' })).to.equal(2);
    expect(sample(text, 'ledger_command_duration_seconds_bucket', { command: 'SendMessage', outcome: 'ok', le: '+Inf' })).to.equal(2);
    expect(sample(text, 'ledger_live_connections')).to.equal(1);
    expect(sample(text, 'ledger_projection_lag_positions')).to.equal(0);
    expect(sample(text, 'ledger_projection_lag_seconds_count')).to.be.greaterThanOrEqual(3);
    expect(sample(text, 'http_requests_total', { method: 'POST', route: '/v1/commands/SendMessage', status: '400' })).to.equal(1);
  });

  it('one trace from the request through dispatch to the append and the projection; the correlation id reaches the event metadata', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const contexts = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contexts);
    trace.setGlobalTracerProvider(provider);
    try {
      f = await openHttpFixture();
      await f.register('alice');
      exporter.reset();
      const res = await f.call('POST', '/v1/commands/SendMessage', { as: 'bob', body: { message: message('bob', 'alice', 1000, 'm1') }, headers: { 'x-correlation-id': 'corr-42' } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('x-correlation-id')).to.equal('corr-42');
      await provider.forceFlush();
      const spans = exporter.getFinishedSpans();
      const byName = (prefix: string) => spans.filter((s) => s.name.startsWith(prefix));
      const [request] = byName('HTTP POST');
      expect(request?.name).to.equal('HTTP POST /v1/commands/SendMessage');
      const [dispatch] = byName('ledger.dispatch');
      expect(dispatch?.attributes['ledger.correlation_id']).to.equal('corr-42');
      const appends = byName('ledger.append');
      const projections = byName('ledger.projection');
      expect(appends.length).to.be.greaterThan(0);
      expect(projections.length).to.be.greaterThan(0);
      const traceId = request!.spanContext().traceId;
      expect([dispatch, ...appends, ...projections].every((s) => s!.spanContext().traceId === traceId)).to.equal(true);
      expect(dispatch!.parentSpanContext?.spanId).to.equal(request!.spanContext().spanId);
      // the sender's append is the dispatch's child; the peer's copy is appended by delivery, inside the projection's span
      expect(appends.some((s) => s.parentSpanContext?.spanId === dispatch!.spanContext().spanId)).to.equal(true);
      const spanIds = new Set(spans.map((s) => s.spanContext().spanId));
      expect([dispatch, ...appends, ...projections].every((s) => spanIds.has(s!.parentSpanContext!.spanId))).to.equal(true);
      const history = await f.call('GET', '/v1/accounts/alice/sessions/p2p-bob/history', { as: 'alice' });
      expect(history.body.events[0].metadata.correlationId).to.equal('corr-42');
    } finally {
      trace.disable();
      context.disable();
      await provider.shutdown();
    }
  });
});
