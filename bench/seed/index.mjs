// The read benchmarks' seed: a plausible history of N deployments written into DeployDB's schema
// and into the floor's, with the same ids and times.
export { GROUP, SERVICES, ENVIRONMENTS, PIPELINE, READS_CONFIG } from './model.mjs';
export { BLOCK_DEPLOYMENTS } from './releaseTrain.mjs';
export { seedPlan } from './plan.mjs';
export { seedDeploydb } from './deploydbSeed.mjs';
export { seedFloor } from './floorSeed.mjs';
