import { defineConfig } from 'vitest/config';
import { BROKER_OUTAGE_TESTS, shared } from './vitest.shared.js';

/** The tests that take NATS or Redis down, one file at a time (see vitest.shared.ts). */
export default defineConfig({
  ...shared,
  test: {
    include: BROKER_OUTAGE_TESTS,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
