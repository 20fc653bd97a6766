#!/usr/bin/env node
// Builds the workspace packages whose dist/ is missing or older than their sources, so that
// `npm start` and `npm test` work on a fresh clone after `npm install`, without rebuilding
// what is current. Core first: the plugins' type declarations need its own, and the dashboard's
// API types are generated from it.
//
// `--runtime` builds only what running DeployDB needs: the libraries' JavaScript, without their
// type declarations (a tenth of the time). The `deploydb` command asks for that; a later build
// without the flag (`npm test`, `npm run build`) sees the declarations missing and makes them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const runtimeOnly = process.argv.includes('--runtime');

function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

/** What a build leaves: a library's entry point (and its declarations), or the dashboard's page. */
const BUILT = runtimeOnly ? [['index.js'], ['index.html']] : [['index.js', 'index.d.ts'], ['index.html']];
const INPUTS = ['src', 'package.json', 'tsup.config.ts', 'vite.config.ts', 'index.html', 'scripts'];

function stale(packageDir) {
  const dist = path.join(packageDir, 'dist');
  if (!BUILT.some((names) => names.every((name) => fs.existsSync(path.join(dist, name))))) return true;
  const inputs = INPUTS
    .map((name) => path.join(packageDir, name))
    .filter((p) => fs.existsSync(p))
    .map((p) => (fs.statSync(p).isDirectory() ? newest(p) : fs.statSync(p).mtimeMs));
  return Math.max(...inputs) > newest(dist);
}

let built = 0;
for (const workspace of manifest.workspaces) {
  const dir = path.join(root, workspace);
  if (!fs.existsSync(path.join(dir, 'package.json')) || !stale(dir)) continue;
  process.stderr.write(`building ${workspace}\n`);
  const { scripts = {} } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  if (scripts.build === 'tsup') {
    const tsup = path.join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js');
    execFileSync(process.execPath, [tsup, ...(runtimeOnly ? ['--no-dts'] : [])], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  } else {
    // Any other build (the dashboard's: API types, type check, Vite) runs as its package says.
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  built += 1;
}
if (built > 0) process.stderr.write(`built ${built} package(s)\n`);
