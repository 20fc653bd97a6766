// Types of seed/index.mjs, for the tests that seed through it.
import type pg from 'pg';

export declare const GROUP: string;
export declare const SERVICES: string[];
export declare const ENVIRONMENTS: string[];
export declare const PIPELINE: string;
export declare const READS_CONFIG: string;
export declare const BLOCK_DEPLOYMENTS: number;

export interface SeedPlan {
  size: number;
  blocks: number;
  startedAt: Date;
  endedAt: Date;
  /** A moment halfway through the history. */
  midway: Date;
}

/** The layout of a seed of `size` deployments (a multiple of 50, at least 50 per service) ending shortly before `now` (ms). */
export declare function seedPlan(size: number, now?: number): SeedPlan;
/** Seeds a DeployDB database that DeployDB has started on once; answers the rows written per table. */
export declare function seedDeploydb(client: pg.ClientBase, plan: SeedPlan): Promise<Record<string, number>>;
/** Creates and seeds the floor's tables in an empty database; answers the rows written per table. */
export declare function seedFloor(client: pg.ClientBase, plan: SeedPlan): Promise<Record<string, number>>;
