/**
 * `@deploydb/core/testing`: what plugin authors (and DeployDB's own packages) test with.
 * The contract suites need vitest (an optional peer dependency of @deploydb/core).
 */
export { servicesAvailable, reachable, waitUntilReachable, freePort, serviceUrls, POSTGRES, REDIS, NATS, type ServiceProbe } from './services.js';
export { queueProviderContract, type QueueContractSubject, type QueueContractOptions } from './queueContract.js';
export { promotionPluginContract, type PromotionContractOptions, type PromotionScenario } from './promotionContract.js';
export { evaluationContext, reportContext, type ContextOptions } from './promotionContext.js';
export { startTestKernel, createTestDatabase, dropTestDatabase, type TestKernel, type TestKernelOptions, type TestResponse } from './harness.js';
export { silentLogger } from './silentLogger.js';
export { ManualClock } from './manualClock.js';
export { clockStartingAt, StartingClock } from './clockStartingAt.js';
