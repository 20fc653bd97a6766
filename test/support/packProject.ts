/**
 * Helpers of the packed-packages test: pack workspace packages as npm would publish them, install
 * the tarballs into a project outside the repository, and run commands there.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment for npm and the packed DeployDB: this one without what an enclosing `npm test`
 * sets for its own package (`npm_config_local_prefix` would point npm back at the repository,
 * `npm_package_*` describe the repository's package).
 */
export function isolatedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (lower === 'npm_config_local_prefix' || lower.startsWith('npm_package_') || lower.startsWith('npm_lifecycle_') || lower === 'init_cwd') continue;
    if (lower === 'npm_command' || lower === 'npm_config_call' || lower === 'deploydb_config') continue;
    env[key] = value;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

/** Runs a command to its end; never throws for a non-zero exit, which the caller checks. */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? isolatedEnv(), timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** Fails with what npm said when a command did not exit 0. */
function check(what: string, result: RunResult): RunResult {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}\n${result.stderr.slice(-4000)}\n${result.stdout.slice(-2000)}`);
  return result;
}

/** One tarball written by `npm run pack`. */
export interface Packed {
  /** Its folder in the repository, e.g. `plugins/promotion-manual`. */
  dir: string;
  name: string;
  version: string;
  /** Absolute path of the tarball. */
  tarball: string;
  /** The files in it, as npm reports them. */
  files: string[];
}

/**
 * Runs `npm run pack` (scripts/pack.mjs) into `destination`: every publishable package as `npm
 * publish` would upload it (its `prepack` script runs, `files` applies), after checking that the
 * versions are aligned and each plugin names core as a peer dependency.
 */
export async function packAll(destination: string): Promise<Packed[]> {
  const result = check('npm run pack', await run(process.execPath, [path.join(ROOT, 'scripts', 'pack.mjs'), '--out', destination, '--json'], { cwd: ROOT, timeoutMs: 600_000 }));
  return JSON.parse(result.stdout.slice(result.stdout.search(/^\[/m))) as Packed[];
}

/**
 * Installs tarballs into `project` from the npm cache alone (their dependencies are there after the
 * repository's own install); when something is not cached, from the registry.
 */
export async function installTarballs(project: string, tarballs: string[]): Promise<{ offline: boolean }> {
  const args = ['install', '--no-audit', '--no-fund', '--no-update-notifier', '--prefix', project, ...tarballs];
  const offline = await run(npm, [...args, '--offline'], { cwd: project });
  if (offline.code === 0) return { offline: true };
  check('npm install', await run(npm, args, { cwd: project }));
  return { offline: false };
}

/** Installs a package's own dependencies (`npm install` in its folder), from the npm cache when it can. */
export async function installPackage(dir: string): Promise<void> {
  const args = ['install', '--no-audit', '--no-fund', '--no-update-notifier'];
  if ((await run(npm, [...args, '--offline'], { cwd: dir })).code === 0) return;
  check(`npm install in ${dir}`, await run(npm, args, { cwd: dir }));
}

/** Runs the project's installed `deploydb` command through npx (never fetching one). */
export function deploydb(project: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run(npx, ['--no', 'deploydb', ...args], { cwd: project, env: isolatedEnv(env), timeoutMs: 60_000 });
}

/** Keeps what a child process writes, for the message of a failing assertion. */
export function captureOutput(child: ChildProcess): () => string {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

/** Resolves with the exit code (or the signal's name), or null if the process is still running after `timeoutMs`. */
export function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

/**
 * Polls `url` until it answers 200. Throws when `timeoutMs` runs out or the process serving it
 * exits first, with what it wrote.
 */
export async function waitForHealthy(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`deploydb start exited ${child.exitCode ?? child.signalCode} before it was healthy:\n${output()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last}):\n${output()}`);
}

/** Fails early, with a clear message, when a package has not been built. */
export function requireBuilt(packageDirs: string[]): void {
  const missing = packageDirs.filter((dir) => !fs.existsSync(path.join(ROOT, dir, 'dist', 'index.js')));
  if (missing.length > 0) throw new Error(`not built: ${missing.join(', ')}. Run npm run build at the repository root first (npm test does).`);
}
