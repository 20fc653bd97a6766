// How a seed of N deployments is laid out: N / 50 blocks (seed/releaseTrain.mjs), block b a
// stretch of service b mod S's history, one after another in time, ending shortly before now.
// Every seeding statement expands the block's rows over `generate_series` with the same
// parameters, so both databases hold the same history with the same ids.
import { BLOCK_DEPLOYMENTS, BLOCK_SECONDS, FLOW_SECONDS, lastBlockVariant, releaseTrain } from './releaseTrain.mjs';
import { SERVICES } from './model.mjs';

/** Blocks in time order; `start` in epoch seconds; the last block of each service may end with work in flight. */
export const BLOCKS = `block as (
  select b, ($5::text[])[b % $2::int + 1] as service, b / $2::int as train, ($3::bigint + b * ${BLOCK_SECONDS})::double precision as start,
         case when b >= $1::int - $2::int then ($4::text[])[b % $2::int + 1] else 'plain' end as variant
    from generate_series(0, $1::int - 1) as b
)`;

/** Id expressions of the rows a block holds, from their position in the block. */
export const ids = (train) => ({
  artifact: (k, slot) => `(${k}.b * ${train.artifactStride} + ${slot} + 1)`,
  deployment: (k, pos) => `(${k}.b * ${BLOCK_DEPLOYMENTS} + ${pos} + 1)`,
  result: (k, index) => `(${k}.b * ${train.resultStride} + ${index} + 1)`,
  change: (k, index) => `(${k}.b * ${train.changeStride} + ${index} + 1)`,
});

/** A relative time (seconds, possibly null) of block `k` as a timestamp. */
export const time = (k, offset) => `to_timestamp(${k}.start + ${offset})`;

/**
 * The seed for `size` deployments: a multiple of 50, at least one block per service. The history
 * ends 10 minutes before `now` (the in-flight work of the last blocks started shortly before).
 */
export function seedPlan(size, now = Date.now()) {
  if (!Number.isInteger(size) || size % BLOCK_DEPLOYMENTS !== 0 || size < BLOCK_DEPLOYMENTS * SERVICES.length) {
    throw new Error(`a seed size is a multiple of ${BLOCK_DEPLOYMENTS} of at least ${BLOCK_DEPLOYMENTS * SERVICES.length}, not ${size}`);
  }
  const blocks = size / BLOCK_DEPLOYMENTS;
  const end = Math.floor(now / 1000) - 600;
  const start = end - blocks * BLOCK_SECONDS;
  const train = releaseTrain();
  return {
    size,
    blocks,
    train,
    startedAt: new Date(start * 1000),
    endedAt: new Date(end * 1000),
    /** A moment halfway through the history, inside a block, for `?at=` reads. */
    midway: new Date((start + Math.floor(blocks / 2) * BLOCK_SECONDS + 3 * FLOW_SECONDS + 100) * 1000),
    /** $1..$5 of every seeding statement; the statement's own rows are $6. */
    parameters: [blocks, SERVICES.length, start, SERVICES.map((_, i) => lastBlockVariant(i)), SERVICES],
  };
}

/** Runs one seeding statement: the plan's parameters, then the block rows it expands as $6. */
export async function expand(client, plan, sql, rows) {
  const result = await client.query(`with ${BLOCKS} ${sql}`, [...plan.parameters, JSON.stringify(rows)]);
  return result.rowCount;
}
