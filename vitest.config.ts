import { defineConfig } from 'vitest/config';
import { ALL_TESTS, BROKER_OUTAGE_TESTS, PACKAGE_TESTS, shared } from './vitest.shared.js';

export default defineConfig({
  ...shared,
  test: {
    include: ALL_TESTS,
    exclude: ['**/node_modules/**', ...BROKER_OUTAGE_TESTS, ...PACKAGE_TESTS],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
