import type { MiddlewareHandler } from 'hono';
import type { Metrics } from '../metrics.js';

/** Counts every answer and its latency, by method, route and status (GET /metrics). */
export function requestMetrics(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath && c.req.routePath !== '*' ? c.req.routePath : 'unmatched';
    metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.latency.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
  };
}
