import { freshDatabase, load, startServer, summary } from './support.mjs';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

/**
 * Artifact registrations over HTTP: DeployDB (artifact, flow, deployment and outbox events in one
 * statement, shared with the registrations arriving at the same time; the relay and the embedded
 * queue at work meanwhile) beside the floor (a bare Hono route doing one INSERT), both on
 * PostgreSQL, each at full speed and then at a steady 200 requests/s for latency.
 */
export async function registrations() {
  const figures = {};
  for (const [name, script] of [
    ['floor', './servers/floor.mjs'],
    ['deploydb', './servers/deploydb.mjs'],
  ]) {
    const db = await freshDatabase();
    const server = await startServer(script, { DATABASE_URL: db.url });
    try {
      await load(server.url, { duration: 2, connections: 20 }); // warm-up
      const saturated = summary(await load(server.url, { duration: DURATION, connections: 50 }));
      const steady = summary(await load(server.url, { duration: DURATION, connections: 10, overallRate: 200 }));
      figures[name] = { saturated, at200PerSecond: steady };
    } finally {
      await server.stop();
      await db.drop();
    }
  }
  figures.ratio = Number((figures.deploydb.saturated.requestsPerSecond / figures.floor.saturated.requestsPerSecond).toFixed(2));
  figures.targets = { ratioAtLeast: 0.5, p99At200BelowMs: 20 };
  figures.met = figures.ratio >= 0.5 && figures.deploydb.at200PerSecond.p99Ms < 20;
  return figures;
}
