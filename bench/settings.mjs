// How long and how hard the HTTP benchmarks run; the environment overrides the defaults (short
// development runs: BENCH_SECONDS=2).
const env = process.env;

/** Length of a measured round, seconds. */
export const SECONDS = Number(env.BENCH_SECONDS ?? 10);
/** Length of each server's warm-up before its first round, seconds. */
export const WARMUP_SECONDS = Number(env.BENCH_WARMUP_SECONDS ?? Math.min(5, SECONDS));
/** Rounds of each server, alternating. */
export const ROUNDS = Number(env.BENCH_ROUNDS ?? 3);
/** Length of the pgbench run beside each floor, seconds. */
export const PGBENCH_SECONDS = Number(env.BENCH_PGBENCH_SECONDS ?? SECONDS);
/** Connections kept busy by autocannon, clients of pgbench. */
export const CONNECTIONS = 20;
