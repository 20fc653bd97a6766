// `npm run chaos [-- --bus nats|redis|embedded] [--seconds N] [--rate N]` and
// `npm run soak [-- --minutes N] [--rate N] [--max-slope MB_PER_MIN]`: reads the flags and runs
// the one vitest file that does the work (chaos/chaos.run.ts or chaos/soak.run.ts), which exits
// non-zero when a check fails.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [mode, ...rest] = process.argv.slice(2);

const modes = {
  chaos: {
    file: 'chaos/chaos.run.ts',
    options: { bus: { type: 'string', default: 'nats,redis,embedded' }, seconds: { type: 'string', default: '120' }, rate: { type: 'string', default: '25' } },
    env: (v) => ({ CHAOS_BUSES: v.bus, CHAOS_SECONDS: v.seconds, CHAOS_RATE: v.rate }),
  },
  soak: {
    file: 'chaos/soak.run.ts',
    options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '100' }, 'max-slope': { type: 'string', default: '1' } },
    env: (v) => ({ SOAK_MINUTES: v.minutes, SOAK_RATE: v.rate, SOAK_MAX_SLOPE: v['max-slope'] }),
  },
};

const chosen = modes[mode];
if (!chosen) {
  process.stderr.write('usage: node chaos/cli.mjs chaos|soak [flags]\n');
  process.exit(2);
}
let values;
try {
  ({ values } = parseArgs({ args: rest, options: chosen.options, strict: true }));
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
for (const [name, value] of Object.entries(values)) {
  if (name !== 'bus' && !(Number(value) > 0)) {
    process.stderr.write(`--${name} must be a positive number, not "${value}"\n`);
    process.exit(2);
  }
}
if (values.bus && !values.bus.split(',').every((b) => ['nats', 'redis', 'embedded'].includes(b))) {
  process.stderr.write(`--bus takes nats, redis, embedded or a comma-separated list of them, not "${values.bus}"\n`);
  process.exit(2);
}

const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--config', 'chaos/vitest.config.ts', chosen.file], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ...chosen.env(values) },
});
process.exit(run.status ?? 1);
