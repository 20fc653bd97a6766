#!/usr/bin/env node
// `npm test`: every test. The tests that install packages outside the repository (waiting mostly
// on npm, and using none of the shared servers) run from the start, beside everything else; the
// tests that stop and restart NATS and Redis run last, one file at a time, once the tests that
// need those brokers are done. Extra arguments go to every run (e.g. a file filter). Exits
// non-zero when any run fails.
import { spawn } from 'node:child_process';

const extra = process.argv.slice(2);
const vitest = (config) =>
  new Promise((resolve) => {
    const args = ['vitest', 'run', ...(config ? ['--config', config] : []), ...extra];
    spawn('npx', ['--no', ...args], { stdio: 'inherit' }).once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

const packages = vitest('vitest.packages.config.ts');
const main = await vitest(null);
const outage = main === 0 ? await vitest('vitest.outage.config.ts') : main;
process.exit([main, outage, await packages].find((code) => code !== 0) ?? 0);
