#!/usr/bin/env node
// `npm run pack [-- --out DIR] [--json]`: writes every publishable package (core, each plugins/*, each
// examples/*) as the tarball `npm publish` would upload, into one folder (default dist-packages/).
// Until the packages are on a registry, plugin authors install these files (or depend on them
// with `file:`). Refuses to pack when the versions are not aligned or a plugin does not name
// @deploydb/core as a peer dependency that this core satisfies: installed side by side, the
// tarballs must make one consistent set.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORE = '@deploydb/core';

/** The folders of the publishable packages, core first (the others need it built). */
export function publishableDirs() {
  const under = (folder) =>
    fs.existsSync(path.join(root, folder))
      ? fs
          .readdirSync(path.join(root, folder), { withFileTypes: true })
          .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(root, folder, entry.name, 'package.json')))
          .map((entry) => `${folder}/${entry.name}`)
          .sort()
      : [];
  return ['core', ...under('plugins'), ...under('examples')].filter((dir) => !readManifest(dir).private);
}

function readManifest(dir) {
  return JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
}

/** Whether `version` (x.y.z) satisfies a caret, tilde, exact or `>=` range as plugins write them. */
function satisfies(version, range) {
  const parse = (text) => text.split('-')[0].split('.').map(Number);
  const [major, minor, patch] = parse(version);
  const match = /^(\^|~|>=)?\s*(\d+\.\d+\.\d+)$/.exec(range.trim());
  if (!match) return false;
  const [op, wanted] = [match[1] ?? '', parse(match[2])];
  const cmp = major - wanted[0] || minor - wanted[1] || patch - wanted[2];
  if (op === '') return cmp === 0;
  if (op === '>=') return cmp >= 0;
  if (cmp < 0) return false;
  if (op === '~') return major === wanted[0] && minor === wanted[1];
  // ^0.y.z allows only 0.y.*; ^x.y.z (x > 0) allows x.*.*.
  return wanted[0] === 0 ? major === 0 && minor === wanted[1] : major === wanted[0];
}

/** Every reason the packages do not make one consistent set; empty when they do. */
export function alignmentProblems(dirs = publishableDirs()) {
  const version = readManifest('core').version;
  const problems = [];
  for (const dir of dirs) {
    const manifest = readManifest(dir);
    if (manifest.version !== version) problems.push(`${dir}: version ${manifest.version}, but ${CORE} is ${version}: every package is released with the same version`);
    if (dir === 'core') continue;
    const peer = manifest.peerDependencies?.[CORE];
    if (!peer) problems.push(`${dir}: ${CORE} must be a peerDependency (the plugin uses the host's copy of core)`);
    else if (!satisfies(version, peer)) problems.push(`${dir}: peerDependency ${CORE} "${peer}" does not accept ${version}`);
    if (manifest.dependencies?.[CORE]) problems.push(`${dir}: ${CORE} is a dependency; make it a peerDependency (a plugin with its own copy of core splits the kernel's registry)`);
  }
  return problems;
}

function main() {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = path.resolve(outAt >= 0 && args[outAt + 1] ? args[outAt + 1] : path.join(root, 'dist-packages'));
  const dirs = publishableDirs();
  const problems = alignmentProblems(dirs);
  if (problems.length > 0) {
    process.stderr.write(`not packed:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  // Workspace packages build when stale; examples build in their own `prepack`.
  execFileSync(process.execPath, [path.join(root, 'scripts', 'ensure-built.mjs')], { cwd: root, stdio: 'inherit' });
  fs.mkdirSync(out, { recursive: true });
  for (const old of fs.readdirSync(out).filter((name) => name.endsWith('.tgz'))) fs.rmSync(path.join(out, old));
  const written = [];
  // One at a time: packs share the npm cache. (A prepack script's own output, if any, comes before the JSON report.)
  for (const dir of dirs) {
    const report = execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: path.join(root, dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const [packed] = JSON.parse(report.slice(report.search(/^\[/m)));
    written.push({ dir, name: packed.name, version: packed.version, tarball: path.join(out, packed.filename), files: packed.files.map((file) => file.path) });
  }
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(written, null, 2)}\n`);
  else process.stdout.write(written.map((p) => `${path.relative(process.cwd(), p.tarball)}  (${p.name}@${p.version})`).join('\n') + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
