import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Tests that stop and restart the real NATS and Redis servers. They run one file at a time, after
 * the tests that need those brokers (`npm test`): run beside them, they would take the brokers
 * away.
 */
export const BROKER_OUTAGE_TESTS = ['plugins/queue-nats/test/**/*.test.ts', 'plugins/queue-redis/test/**/*.test.ts', 'test/bus.outage.test.ts', 'test/bus.crash.test.ts'];

/**
 * Tests that install packages outside the repository (a fresh clone's `npm install`, the packed
 * tarballs, generated plugin packages): they wait mostly on npm and use none of the shared
 * servers, so `npm test` runs them from the start, beside everything else.
 */
export const PACKAGE_TESTS = ['test/pack.plugins.test.ts', 'test/cli.process.test.ts'];

export const ALL_TESTS = ['core/src/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'dashboard/test/**/*.test.ts', 'test/**/*.test.ts'];

export const shared: ViteUserConfig = {
  resolve: {
    // Tests run against the sources; the packed-plugin test checks the built packages.
    alias: [
      { find: /^@deploydb\/core\/testing$/, replacement: here('./core/src/testing/index.ts') },
      { find: /^@deploydb\/core$/, replacement: here('./core/src/index.ts') },
    ],
  },
};
