import { defineConfig } from 'vitest/config';
import { shared } from '../vitest.shared.js';

/**
 * The runs of `npm run chaos` and `npm run soak` (chaos/cli.mjs picks one): long, one at a time,
 * printing their figures as they go. Not part of `npm test`.
 */
export default defineConfig({
  ...shared,
  test: {
    include: ['chaos/*.run.ts'],
    pool: 'forks',
    fileParallelism: false,
    hookTimeout: 120_000,
    disableConsoleIntercept: true,
    reporters: ['default'],
  },
});
