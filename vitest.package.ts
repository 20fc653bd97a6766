import { defineConfig } from 'vitest/config';

/**
 * The tests of one plugin or example package, run from its own folder (`npm test` there): its
 * `src/**` and `test/**` tests, against the built `@deploydb/core` it depends on. Files run one
 * at a time, as the tests of a broker plugin stop and restart the broker.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
