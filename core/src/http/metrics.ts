import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DEPLOYMENT_STATUSES } from '../domain/shapes.js';

/** Prometheus metrics: requests, latencies, and deployments by status (read at scrape time). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'deploydb_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'deploydb_http_request_duration_seconds',
    help: 'HTTP request latency, by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(countDeployments: () => Promise<Record<string, number>>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'deploydb_' });
    new Gauge({
      name: 'deploydb_deployments',
      help: 'Deployments, by status',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        // Every status, 0 when none; a database that does not answer leaves the gauge empty.
        this.reset();
        const counts = await countDeployments().catch(() => null);
        if (counts) for (const status of DEPLOYMENT_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
  }
}
