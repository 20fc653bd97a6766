/**
 * `@deploydb/core/testing`: what plugin authors (and DeployDB's own packages) test with.
 */
export { servicesAvailable, reachable, serviceUrls, POSTGRES, REDIS, NATS, type ServiceProbe } from './services.js';
export { queueProviderContract } from './queueContract.js';
export { startTestKernel, createTestDatabase, dropTestDatabase, silentLogger, type TestKernel, type TestKernelOptions, type TestResponse } from './harness.js';
