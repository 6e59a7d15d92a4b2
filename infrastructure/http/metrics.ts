import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The service's Prometheus metrics, on a registry of its own (several services may share a process). */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly commands: Counter<'command' | 'outcome'>;
  readonly commandSeconds: Histogram<'command' | 'outcome'>;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly requestSeconds: Histogram<'method' | 'route'>;
  readonly liveConnections: Gauge;
  readonly projectionLagEvents: Gauge;
  readonly projectionLagSeconds: Histogram;

  constructor(read: { position: () => bigint; lastAppended: () => bigint }, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.commands = new Counter({ name: 'ledger_commands_total', help: 'Commands dispatched, by type and outcome', labelNames: ['command', 'outcome'], registers });
    this.commandSeconds = new Histogram({
      name: 'ledger_command_duration_seconds', help: 'Command dispatch latency until its read models reflect it', labelNames: ['command', 'outcome'], registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    this.requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests, by route and status', labelNames: ['method', 'route', 'status'], registers });
    this.requestSeconds = new Histogram({
      name: 'http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'], registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    this.liveConnections = new Gauge({ name: 'ledger_live_connections', help: 'Open Server-Sent Events connections', registers });
    this.projectionLagEvents = new Gauge({
      name: 'ledger_projection_lag_positions', help: 'Log positions appended by this process that the read models do not reflect yet', registers,
      collect() {
        const lag = read.lastAppended() - read.position();
        this.set(lag > 0n ? Number(lag) : 0);
      },
    });
    this.projectionLagSeconds = new Histogram({
      name: 'ledger_projection_lag_seconds', help: 'Time from an append by this process until the read models applied it', registers,
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    });
  }
}
