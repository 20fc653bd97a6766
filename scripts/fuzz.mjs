#!/usr/bin/env node
// `npm run fuzz`: the API fuzz of test/api.fuzz.test.ts, much longer than in `npm test` and from
// a fresh random seed each time (printed first, to replay a failure with FUZZ_SEED and FUZZ_RUNS).
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seed = process.env.FUZZ_SEED ?? String(randomInt(1, 2 ** 31 - 1));
const runs = process.env.FUZZ_RUNS ?? '5000';
if (!/^\d+$/.test(seed) || !/^[1-9]\d*$/.test(runs)) {
  console.error('FUZZ_SEED must be an integer and FUZZ_RUNS a positive integer');
  process.exit(2);
}
console.log(`api fuzz: seed ${seed}, ${runs} requests per phase (auth on, auth off) and database`);
console.log(`replay: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npm run fuzz`);
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(process.execPath, [vitest, 'run', 'test/api.fuzz.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_SEED: seed, FUZZ_RUNS: runs },
});
if (result.status !== 0) console.log(`\napi fuzz failed; replay: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npm run fuzz`);
process.exit(result.status ?? 1);
