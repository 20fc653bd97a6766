#!/usr/bin/env node
// `npm test`: every test, in two stages. First the tests that share the machine's servers; then,
// at once, the tests that stop and restart NATS and Redis (one file at a time, waiting on the
// brokers) and those that install packages outside the repository (waiting on npm). Extra
// arguments go to every stage (e.g. a file filter). Exits non-zero when any stage fails.
import { spawn } from 'node:child_process';

const extra = process.argv.slice(2);
const vitest = (config) =>
  new Promise((resolve) => {
    const args = ['vitest', 'run', ...(config ? ['--config', config] : []), ...extra];
    spawn('npx', ['--no', ...args], { stdio: 'inherit' }).once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

const first = await vitest(null);
if (first !== 0) process.exit(first);
const later = await Promise.all([vitest('vitest.outage.config.ts'), vitest('vitest.packages.config.ts')]);
process.exit(later.find((code) => code !== 0) ?? 0);
