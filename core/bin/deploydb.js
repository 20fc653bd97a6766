#!/usr/bin/env node
// The `deploydb` command as npm links it. npm links a package's bins at install time, before
// anything is built, so the link must point at a committed file: this one. In a checkout of the
// repository it builds what running needs, if missing or stale (so `npx deploydb` works right after
// `npm install`); installed from a package, dist/ is already there.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const core = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ensureBuilt = path.resolve(core, '..', 'scripts', 'ensure-built.mjs');

if (fs.existsSync(path.join(core, 'src')) && fs.existsSync(ensureBuilt)) {
  try {
    // Its own process, its output on stderr: stdout belongs to the command (`--output json`).
    execFileSync(process.execPath, [ensureBuilt, '--runtime'], { stdio: ['ignore', 2, 'inherit'] });
  } catch {
    process.stderr.write('deploydb: building the workspace failed; run `npm run build` to see why\n');
    process.exit(1);
  }
}

await import(pathToFileURL(path.join(core, 'dist', 'cli', 'main.js')).href);
