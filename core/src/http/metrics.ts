import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DEPLOYMENT_STATUSES } from '../domain/shapes.js';
import type { DoraReport } from '../domain/dora.js';

/** What the gauges read at scrape time. */
export interface MetricSources {
  countDeployments(): Promise<Record<string, number>>;
  /** DORA figures of every service over the last 30 days. */
  dora(): Promise<DoraReport>;
}

/**
 * How long a figure read from the database is reused, unless this instance changed the ledger
 * since (then the next scrape reads it again): a quiet ledger is not counted again and again, and
 * a change shows at the next scrape (another instance's within this time).
 */
const SOURCE_TTL_MS = 30_000;

/** Prometheus metrics: requests, latencies, deployments by status and DORA figures (read at scrape time). */
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

  private readonly sources: Array<Cached<unknown>>;

  /** Says that the ledger changed: the gauges read it again at the next scrape. */
  ledgerChanged(): void {
    for (const source of this.sources) source.stale = true;
  }

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'deploydb_' });
    const counts = cached(() => sources.countDeployments());
    const dora = cached(() => sources.dora());
    this.sources = [counts, dora];
    const registers = [this.registry];
    new Gauge({
      name: 'deploydb_deployments',
      help: 'Deployments, by status',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        // Every status, 0 when none; a database that does not answer leaves the gauge empty.
        this.reset();
        const byStatus = await counts.read().catch(() => null);
        if (byStatus) for (const status of DEPLOYMENT_STATUSES) this.set({ status }, byStatus[status] ?? 0);
      },
    });
    // DORA, per service and environment over the last 30 days; a figure with nothing to measure is absent.
    const doraGauge = (name: string, help: string, value: (f: DoraReport['services'][number]) => Array<[labels: Record<string, string>, value: number | null]>) =>
      new Gauge({
        name: `deploydb_dora_${name}`,
        help,
        labelNames: ['service', 'environment', 'quantile'] as const,
        registers,
        async collect() {
          this.reset();
          const report = await dora.read().catch(() => null);
          for (const figures of report?.services ?? []) {
            for (const [labels, v] of value(figures)) {
              if (v !== null) this.set({ service: figures.service, environment: figures.environment, ...labels }, v);
            }
          }
        },
      });
    const quantiles = (p: { p50: number; p90: number } | null): Array<[Record<string, string>, number | null]> => [
      [{ quantile: '0.5' }, p?.p50 ?? null],
      [{ quantile: '0.9' }, p?.p90 ?? null],
    ];
    doraGauge('deployments', 'Deployments completed in the last 30 days', (f) => [[{}, f.deployments]]);
    doraGauge('deployment_frequency_per_day', 'Deployments completed per day, last 30 days', (f) => [[{}, f.deploymentFrequencyPerDay]]);
    doraGauge('lead_time_seconds', 'Lead time from commit (or registration) to completion, last 30 days', (f) => quantiles(f.leadTimeSeconds));
    doraGauge('change_failure_rate', 'Share of deployments that failed or were rolled back, last 30 days', (f) => [[{}, f.changeFailureRate]]);
    doraGauge('time_to_restore_seconds', 'Time from a failure to the next completed deployment, last 30 days', (f) => quantiles(f.timeToRestoreSeconds));
  }
}

interface Cached<T> {
  read(): Promise<T>;
  stale: boolean;
}

/** A read shared by the scrapes that follow it (see SOURCE_TTL_MS). */
function cached<T>(read: () => Promise<T>): Cached<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  const source: Cached<T> = {
    stale: false,
    read() {
      const now = Date.now();
      const age = last ? now - last.at : Infinity;
      if (age > SOURCE_TTL_MS || source.stale) {
        source.stale = false;
        const value = read();
        last = { at: now, value };
        value.catch(() => {
          if (last?.value === value) last = null;
        });
      }
      return last!.value;
    },
  };
  return source;
}
