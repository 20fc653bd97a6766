// How a seed of N deployments is laid out: N / 50 blocks (seed/releaseTrain.mjs), each a stretch
// of one service's history (services take turns as ROTATION says), one after another in time,
// ending shortly before now. Every seeding statement expands the block's rows over
// `generate_series` with the same parameters, so both databases hold the same history with the
// same ids.
import { BLOCK_DEPLOYMENTS, BLOCK_SECONDS, FLOW_SECONDS, lastBlockVariant, releaseTrain } from './releaseTrain.mjs';
import { ROTATION, SERVICES } from './model.mjs';

/**
 * Blocks in time order: the service, its release train (the how-manieth block of that service:
 * versions are `1.<train>.<flow>`), the start in epoch seconds, and the variant (the last block of
 * each service may end with work in flight). $1 blocks, $2 rotation length, $3 first start,
 * $4 service, $5 earlier blocks of the same service and $6 its blocks, per rotation position,
 * $7 the last block of each service and $8 its variant.
 */
export const BLOCKS = `block as (
  select b, ($4::text[])[b % $2::int + 1] as service,
         (b / $2::int) * ($6::int[])[b % $2::int + 1] + ($5::int[])[b % $2::int + 1] as train,
         ($3::bigint + b * ${BLOCK_SECONDS})::double precision as start,
         coalesce(($8::text[])[array_position($7::int[], b)], 'plain') as variant
    from generate_series(0, $1::int - 1) as b
)`;

/** Whether block `k` is the last of its service: what it leaves is what the service has now. */
export const isLastBlock = (k) => `${k}.b = any($7::int[])`;

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
 * The seed for `size` deployments: a multiple of 50, enough blocks for every service. The history
 * ends 10 minutes before `now` (the in-flight work of the last blocks started shortly before).
 */
export function seedPlan(size, now = Date.now()) {
  const least = BLOCK_DEPLOYMENTS * ROTATION.length;
  if (!Number.isInteger(size) || size % BLOCK_DEPLOYMENTS !== 0 || size < least) {
    throw new Error(`a seed size is a multiple of ${BLOCK_DEPLOYMENTS} of at least ${least}, not ${size}`);
  }
  const blocks = size / BLOCK_DEPLOYMENTS;
  const end = Math.floor(now / 1000) - 600;
  const start = end - blocks * BLOCK_SECONDS;
  const before = ROTATION.map((service, i) => ROTATION.slice(0, i).filter((s) => s === service).length);
  const count = ROTATION.map((service) => ROTATION.filter((s) => s === service).length);
  const lastBlocks = SERVICES.map((service) => {
    let b = blocks - 1;
    while (ROTATION[b % ROTATION.length] !== service) b--;
    return b;
  });
  return {
    size,
    blocks,
    train: releaseTrain(),
    startedAt: new Date(start * 1000),
    endedAt: new Date(end * 1000),
    /** A moment halfway through the history, inside a block, for `?at=` reads. */
    midway: new Date((start + Math.floor(blocks / 2) * BLOCK_SECONDS + 3 * FLOW_SECONDS + 100) * 1000),
    /** $1..$8 of every seeding statement (BLOCKS); the statement's own rows are $9. */
    parameters: [blocks, ROTATION.length, start, ROTATION, before, count, lastBlocks, SERVICES.map((_, i) => lastBlockVariant(i))],
  };
}

/** Runs one seeding statement: the plan's parameters, then the block rows it expands as $9. */
export async function expand(client, plan, sql, rows) {
  const result = await client.query(`with ${BLOCKS} ${sql}`, [...plan.parameters, JSON.stringify(rows)]);
  return result.rowCount;
}
