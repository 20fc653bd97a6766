import { load, median } from './load.mjs';
import { untilQuiet } from './quiet.mjs';

/**
 * The floor and DeployDB measured in turn on the same requests: a warm-up of each, then `rounds`
 * rounds of each, alternating (floor, DeployDB, floor, DeployDB, ...), each server quiet before
 * its turn, so that both meet the same state of the machine. The ratio is the median of the
 * rounds' ratios (DeployDB's rate over the floor's in the same round).
 */
export async function alternatingRounds({ floor, deploydb, requests, seconds, warmupSeconds, rounds = 3, connections = 20 }) {
  const run = async (server, duration) => {
    await untilQuiet(server.pid);
    return load(server.url, { duration, connections, requests });
  };
  await run(floor, warmupSeconds);
  await run(deploydb, warmupSeconds);
  const figures = { floor: [], deploydb: [] };
  for (let round = 0; round < rounds; round++) {
    figures.floor.push(await run(floor, seconds));
    figures.deploydb.push(await run(deploydb, seconds));
  }
  const ratios = figures.deploydb.map((d, i) => Number((d.requestsPerSecond / figures.floor[i].requestsPerSecond).toFixed(3)));
  const side = (runs) => ({ requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)), rounds: runs });
  return {
    floor: side(figures.floor),
    deploydb: side(figures.deploydb),
    ratios,
    ratio: Number(median(ratios).toFixed(3)),
    answeredWell: [...figures.floor, ...figures.deploydb].every((r) => r.answeredWell),
  };
}
