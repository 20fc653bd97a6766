import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Tests that stop and restart the real NATS and Redis servers. They run on their own, one file
 * at a time, after everything else (`npm test` runs both configs): run beside other files, they
 * would take the brokers away from tests that need them.
 */
export const BROKER_OUTAGE_TESTS = ['plugins/queue-nats/test/**/*.test.ts', 'plugins/queue-redis/test/**/*.test.ts', 'test/bus.outage.test.ts', 'test/bus.crash.test.ts'];

/**
 * Tests that install packages outside the repository (a fresh clone's `npm install`, the packed
 * tarballs, generated plugin packages): they wait mostly on npm, so they run beside the outage
 * tests, whose files mostly wait on brokers (`npm test` runs them at once, after everything else).
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
