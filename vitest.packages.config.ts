import { defineConfig } from 'vitest/config';
import { PACKAGE_TESTS, shared } from './vitest.shared.js';

/** The tests that install packages outside the repository (see vitest.shared.ts). */
export default defineConfig({
  ...shared,
  test: {
    include: PACKAGE_TESTS,
    testTimeout: 60_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
