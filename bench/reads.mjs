import pg from 'pg';
import { alternatingRounds } from './rounds.mjs';
import { pgbench } from './pgbench.mjs';
import { READ_ROUTE_NAMES, readRoutes } from './readRoutes.mjs';
import { compareAnswers } from './sameAnswer.mjs';
import { CONNECTIONS, PGBENCH_SECONDS, ROUNDS, SECONDS, WARMUP_SECONDS } from './settings.mjs';
import { freshDatabase, startServer } from './support.mjs';
import { seedDeploydb, seedFloor, seedPlan } from './seed/index.mjs';
import { FLOOR_SESSION, FLOOR_STATEMENTS } from './servers/floorStatements.mjs';

export const READ_SIZES = [1_000, 100_000, 1_000_000];

/** DeployDB's rate at most 20 % below its own rate at the smallest size; at least half the floor's. */
const TARGETS = { ratioAtLeast: 0.5, largestOverSmallestAtLeast: 0.8 };

const log = (message) => process.stderr.write(`reads: ${message}\n`);
const round3 = (x) => Number(x.toFixed(3));

/**
 * The read routes at each size of history: both databases seeded once per size (the same
 * history), every route measured on it in alternating rounds against its floor, the floor's
 * statement through pgbench beside it; then the databases dropped. Each route also reports its
 * rate at the largest size over its rate at the smallest.
 */
export async function reads({ sizes = READ_SIZES, routes = READ_ROUTE_NAMES } = {}) {
  const results = Object.fromEntries(routes.map((name) => [name, { path: null, bySize: {} }]));
  const seeds = {};
  for (const size of sizes) {
    const plan = seedPlan(size);
    const databases = { deploydb: await freshDatabase(), floor: await freshDatabase() };
    try {
      // DeployDB's first start migrates its database and stores its configuration snapshot.
      await (await startServer('./servers/deploydb.mjs', { DATABASE_URL: databases.deploydb.url, BENCH_CONFIG: 'reads' })).stop();
      seeds[size] = await seedBoth(databases, plan);
      log(`${size} deployments seeded in ${JSON.stringify(seeds[size].seconds)} s`);
      const floor = await startServer('./servers/floor.mjs', { DATABASE_URL: databases.floor.url });
      const deploydb = await startServer('./servers/deploydb.mjs', { DATABASE_URL: databases.deploydb.url, BENCH_CONFIG: 'reads' });
      try {
        const requests = readRoutes(plan);
        for (const name of routes) {
          const route = requests[name];
          results[name].path = route.path.replace(/\?at=.*/, '?at=<halfway through the history>');
          const { same } = await compareAnswers(deploydb.url, floor.url, route.path);
          const measured = await alternatingRounds({
            floor,
            deploydb,
            requests: [{ method: 'GET', path: route.path }],
            seconds: SECONDS,
            warmupSeconds: WARMUP_SECONDS,
            rounds: ROUNDS,
            connections: CONNECTIONS,
          });
          const alone = await pgbench(databases.floor.url, { text: FLOOR_STATEMENTS[route.statement], values: route.values }, { seconds: PGBENCH_SECONDS, clients: CONNECTIONS, session: FLOOR_SESSION });
          results[name].bySize[size] = {
            sameAnswer: same,
            ...measured,
            pgbench: alone,
            floorOverPgbench: alone.transactionsPerSecond ? round3(measured.floor.requestsPerSecond / alone.transactionsPerSecond) : null,
          };
          log(`${size} ${name}: DeployDB ${measured.deploydb.requestsPerSecond}/s, floor ${measured.floor.requestsPerSecond}/s (pgbench ${alone.transactionsPerSecond}/s), ratio ${measured.ratio}`);
        }
      } finally {
        await deploydb.stop();
        await floor.stop();
      }
    } finally {
      await databases.deploydb.drop();
      await databases.floor.drop();
    }
  }
  for (const result of Object.values(results)) judge(result, sizes);
  return { sizes, seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, seeds, routes: results };
}

/** Seeds both databases at once, then leaves them as a long-running server finds its tables: vacuumed, analyzed, checkpointed. */
async function seedBoth(databases, plan) {
  const timed = async (url, seed) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const started = performance.now();
      const rows = await seed(client, plan);
      await client.query('vacuum (analyze)');
      await client.query('checkpoint');
      return { rows, seconds: round3((performance.now() - started) / 1000) };
    } finally {
      await client.end();
    }
  };
  const [deploydb, floor] = await Promise.all([timed(databases.deploydb.url, seedDeploydb), timed(databases.floor.url, seedFloor)]);
  return { seconds: { deploydb: deploydb.seconds, floor: floor.seconds }, rows: { deploydb: deploydb.rows, floor: floor.rows } };
}

/** A route's scale (largest size over smallest, DeployDB and floor), its targets and whether they are met. */
function judge(result, sizes) {
  const smallest = result.bySize[Math.min(...sizes)];
  const largest = result.bySize[Math.max(...sizes)];
  const overSmallest = (side) => round3(largest[side].requestsPerSecond / smallest[side].requestsPerSecond);
  result.largestOverSmallest = sizes.length > 1 ? { sizes: [Math.min(...sizes), Math.max(...sizes)], deploydb: overSmallest('deploydb'), floor: overSmallest('floor') } : null;
  result.targets = TARGETS;
  const sound = Object.values(result.bySize).every((s) => s.sameAnswer && s.answeredWell);
  result.met = {
    ratio: sound && Object.values(result.bySize).every((s) => s.ratio >= TARGETS.ratioAtLeast),
    scale: result.largestOverSmallest === null ? null : sound && result.largestOverSmallest.deploydb >= TARGETS.largestOverSmallestAtLeast,
  };
}
