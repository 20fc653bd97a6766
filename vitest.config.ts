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
    // Three files at once on two cores: many tests spend their time waiting (on PostgreSQL, on
    // timers, on a server's answer), and a third file fills those gaps.
    maxWorkers: 3,
  },
});
