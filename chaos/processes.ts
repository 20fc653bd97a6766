/**
 * DeployDB as its users run it: `node core/bin/deploydb.js start --config …` in a process of its
 * own, on a port of its own. An instance can be killed (SIGKILL, nothing finishes), stopped
 * (SIGTERM) and started again on the same port and configuration; what it prints goes to a log
 * file per instance.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@deploydb/core/testing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(root, 'core', 'bin', 'deploydb.js');

export interface Instance {
  readonly name: string;
  readonly url: string;
  /** The running process's id, or null while it is down. */
  pid(): number | null;
  up(): boolean;
  /** Up and answered /health with 200 since it was last started. */
  serving(): boolean;
  /** Starts the process and resolves once /health answers 200 (bounded). */
  start(): Promise<void>;
  /** SIGKILL, and resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, and resolves with its exit once it is gone (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly logFile: string;
}

/**
 * An instance named `name` in `dir`: its configuration is `yaml` (everything but `server:`, which
 * is added here with a free loopback port).
 */
export async function defineInstance(dir: string, name: string, yaml: string): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configPath = path.join(dir, `${name}.yaml`);
  const logFile = path.join(dir, `${name}.log`);
  fs.writeFileSync(configPath, `server: { host: 127.0.0.1, port: ${port} }\n${yaml}`);
  let child: ChildProcess | null = null;
  let healthy = false;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null });

  const alive = () => child !== null && child.exitCode === null && child.signalCode === null;

  async function start(): Promise<void> {
    if (alive()) throw new Error(`${name} is already running`);
    const env = { ...process.env };
    delete env.PORT;
    delete env.DEPLOYDB_CONFIG;
    delete env.LOG_LEVEL;
    const log = fs.openSync(logFile, 'a');
    const started = spawn(process.execPath, [CLI, 'start', '--config', configPath], { cwd: dir, env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    child = started;
    healthy = false;
    exited = new Promise((resolve) => started.once('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (started.exitCode !== null || started.signalCode !== null) throw new Error(`${name} exited while starting; see ${logFile}`);
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
      await response?.body?.cancel();
      if (response?.status === 200) {
        healthy = true;
        return;
      }
      if (Date.now() > deadline) {
        started.kill('SIGKILL');
        throw new Error(`${name} did not answer /health with 200 within 60 s; see ${logFile}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function kill(): Promise<void> {
    healthy = false;
    if (!alive()) return;
    child!.kill('SIGKILL');
    await exited;
  }

  async function stop(graceMs = 35_000) {
    healthy = false;
    if (!alive()) return exited;
    child!.kill('SIGTERM');
    const timer = setTimeout(() => child?.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  return { name, url, logFile, pid: () => (alive() ? child!.pid! : null), up: alive, serving: () => healthy && alive(), start, kill, stop };
}

/** Resident memory of a process in bytes (Linux /proc), or null when it cannot be read. */
export function residentBytes(pid: number): number | null {
  try {
    const match = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB$/m);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
