import { median } from './load.mjs';
import { openLoop } from './openLoop.mjs';
import { pgbench } from './pgbench.mjs';
import { untilQuiet } from './quiet.mjs';
import { alternatingRounds } from './rounds.mjs';
import { CONNECTIONS, PGBENCH_SECONDS, ROUNDS, SECONDS, WARMUP_SECONDS } from './settings.mjs';
import { checkpoint, freshDatabase, startServer } from './support.mjs';
import { FLOOR_SESSION, FLOOR_STATEMENTS } from './servers/floorStatements.mjs';

const TARGETS = { ratioAtLeast: 0.5, p99At200PerSecondBelowMs: 10 };
const SOURCE_URL = 'https://ci.bench.test/app';

/** The even rate latency is measured at, requests/s. */
const EVEN_RATE = 200;

let sequence = 0;
/** An artifact registration body with a version never used before. */
function uniqueArtifact() {
  sequence += 1;
  return JSON.stringify({ group: 'com.bench', name: 'app', version: `${process.pid}.${Date.now()}.${sequence}`, sourceUrl: SOURCE_URL });
}

/** A registration request, as both load generators take it. */
const registration = () => ({ method: 'POST', path: '/api/artifacts', headers: { 'content-type': 'application/json' }, body: uniqueArtifact() });
const REQUESTS = [{ ...registration(), setupRequest: (request) => ({ ...request, body: uniqueArtifact() }) }];

/**
 * Artifact registrations over HTTP, both servers on PostgreSQL, each on its own fresh database:
 * DeployDB (artifact, flow, first deployment, placement and outbox events in one statement,
 * shared with the registrations arriving at the same time; the relay and the embedded queue at
 * work meanwhile) against the floor (a bare Hono route doing one INSERT … RETURNING). Saturated
 * in alternating rounds of 20 connections; then at an even 200 requests/s, open loop, in
 * alternating rounds too, for latency; then the floor's INSERT alone through pgbench.
 */
export async function registrations() {
  const databases = { deploydb: await freshDatabase(), floor: await freshDatabase() };
  const servers = {};
  try {
    servers.floor = await startServer('./servers/floor.mjs', { DATABASE_URL: databases.floor.url });
    servers.deploydb = await startServer('./servers/deploydb.mjs', { DATABASE_URL: databases.deploydb.url });
    const saturated = await alternatingRounds({ ...servers, requests: REQUESTS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, rounds: ROUNDS, connections: CONNECTIONS });
    const at200PerSecond = await evenRounds(servers, databases);
    const alone = await pgbench(
      databases.floor.url,
      { text: FLOOR_STATEMENTS.register, values: ['com.bench', 'app', { random: [1, 9e18] }, SOURCE_URL, null, null] },
      { seconds: PGBENCH_SECONDS, clients: CONNECTIONS, session: FLOOR_SESSION },
    );
    const answeredWell = saturated.answeredWell && Object.values(at200PerSecond).every((side) => side.rounds.every((r) => r.answeredWell));
    return {
      seconds: SECONDS,
      rounds: ROUNDS,
      connections: CONNECTIONS,
      ...saturated,
      at200PerSecond,
      pgbench: alone,
      floorOverPgbench: alone.transactionsPerSecond ? Number((saturated.floor.requestsPerSecond / alone.transactionsPerSecond).toFixed(3)) : null,
      targets: TARGETS,
      met: answeredWell && saturated.ratio >= TARGETS.ratioAtLeast && at200PerSecond.deploydb.p99Ms < TARGETS.p99At200PerSecondBelowMs,
    };
  } finally {
    for (const server of Object.values(servers)) await server.stop();
    for (const database of Object.values(databases)) await database.drop();
  }
}

/**
 * Latency at an even {@link EVEN_RATE} requests/s, open loop: `ROUNDS` rounds of each server,
 * alternating, each once the server is idle and its database checkpointed (so that a round does
 * not pay for the writes before it still being flushed). A server's p50 and p99 are the medians
 * of its rounds': one stall of the shared machine moves one round, not the figure.
 */
async function evenRounds(servers, databases) {
  const runs = { floor: [], deploydb: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(runs)) {
      await untilQuiet(servers[name].pid);
      await checkpoint(databases[name].url);
      runs[name].push(await openLoop(servers[name].url, { rate: EVEN_RATE, seconds: SECONDS, connections: CONNECTIONS, request: registration }));
    }
  }
  const side = (rounds) => ({ p50Ms: median(rounds.map((r) => r.p50Ms)), p99Ms: median(rounds.map((r) => r.p99Ms)), rounds });
  return { floor: side(runs.floor), deploydb: side(runs.deploydb) };
}
