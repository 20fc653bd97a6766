import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, reachable } from '@deploydb/core/testing';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Folders made by these tests, removed at the end. */
const folders: string[] = [];
function tempFolder(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
});

const MINIMAL_CONFIG = (port: number) => `
server: { port: ${port}, host: 127.0.0.1 }
environments:
  dev: {}
pipelines:
  main: { environments: [dev] }
services:
  app: { name: "App", artifacts: ["com.acme:app"], pipelines: [main] }
`;

/** Every process below `pid`, read from /proc (children of children included). */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const task of fs.readdirSync(`/proc/${parent}/task`)) {
      const children = fs.readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/).map(Number) : []) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the deploydb command in a fresh clone', () => {
  // Slow but bounded: an install from the warm npm cache, then the first run builds the workspace.
  it('works as `npx deploydb` right after `npm install`', { timeout: 600_000 }, async () => {
    const clone = tempFolder('deploydb-clone-');
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    await run('git', ['clone', '--quiet', '--no-checkout', root, clone]);
    await run('git', ['checkout', '--quiet', head], { cwd: clone });
    await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, timeout: 300_000 });
    expect(fs.existsSync(path.join(clone, 'core', 'dist')), 'nothing is built before the first run').toBe(false);

    const { stdout } = await run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--prefer-offline', 'deploydb', 'validate', '--config', 'deploydb.yaml'], { cwd: clone, timeout: 300_000 });
    expect(stdout.trim()).toBe(`${path.join(clone, 'deploydb.yaml')}: ok`);
    // What running needs, no more: type declarations wait for `npm run build` or `npm test`.
    expect(fs.existsSync(path.join(clone, 'core', 'dist', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(clone, 'core', 'dist', 'index.d.ts'))).toBe(false);
  });
});

describe('npm start', () => {
  it('stops when the npm process gets SIGTERM: the port closes and every process exits 0 within 30 s', { timeout: 120_000 }, async () => {
    const dir = tempFolder('deploydb-start-');
    const port = await freePort();
    const config = path.join(dir, 'deploydb.yaml');
    fs.writeFileSync(config, MINIMAL_CONFIG(port));
    const child = spawn(npm, ['start'], {
      cwd: root,
      env: { ...process.env, DEPLOYDB_CONFIG: config, PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

    const deadline = Date.now() + 90_000;
    try {
      for (;;) {
        const healthy = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
        if (healthy) break;
        expect(child.exitCode, `npm start exited early:\n${output}`).toBeNull();
        expect(Date.now(), `no answer on /health:\n${output}`).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } catch (error) {
      // Never leave a server behind: the test failed before its own stop.
      for (const pid of [...descendants(child.pid!), child.pid!]) if (alive(pid)) process.kill(pid, 'SIGKILL');
      throw error;
    }
    const tree = descendants(child.pid!);
    expect(tree.length).toBeGreaterThan(0);

    const sent = Date.now();
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    expect({ code, signal }, output).toEqual({ code: 0, signal: null });
    expect(Date.now() - sent).toBeLessThan(30_000);
    expect(await reachable({ name: 'deploydb', host: '127.0.0.1', port })).toBe(false);
    await expect.poll(() => tree.filter(alive), { timeout: 5_000 }).toEqual([]);
  });
});

describe('deploydb start logging', () => {
  const bin = path.join(root, 'core', 'bin', 'deploydb.js');
  // Built first, so that the waits below are for the start alone.
  beforeAll(() => {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'ensure-built.mjs')], { cwd: root, stdio: 'ignore' });
  }, 300_000);

  /** Starts DeployDB (on a terminal when asked), answers its output up to the start line, then stops it. */
  async function startAndStop(logging: string, terminal: boolean): Promise<string> {
    const dir = tempFolder('deploydb-logs-');
    const port = await freePort();
    const config = path.join(dir, 'deploydb.yaml');
    fs.writeFileSync(config, `logging: ${logging}\n${MINIMAL_CONFIG(port)}`);
    const command = [process.execPath, bin, 'start', '--config', config];
    const child = terminal
      ? spawn('script', ['-qec', command.map((a) => `'${a}'`).join(' '), '/dev/null'], { env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' } })
      : spawn(command[0]!, command.slice(1), { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await expect.poll(() => output, { timeout: 60_000 }).toContain('DeployDB started');
    } finally {
      // The server itself gets the signal (under `script`, it is a grandchild).
      const server = terminal ? descendants(child.pid!).find((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(bin)) : child.pid;
      if (server) process.kill(server, 'SIGTERM');
      await exited;
    }
    return output;
  }

  it.runIf(fs.existsSync('/usr/bin/script'))('writes readable lines on a terminal', { timeout: 90_000 }, async () => {
    const output = await startAndStop('{ level: info }', true);
    const line = output.split(/\r?\n/).find((l) => l.includes('DeployDB started'))!;
    expect(line).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: DeployDB started/);
  });

  it('writes one JSON line per event with logging.format json, on a terminal too, and without a terminal by default', { timeout: 90_000 }, async () => {
    const cases = [['{ level: info, format: json }', true], ['{ level: info }', false]] as const;
    for (const [logging, terminal] of cases.filter(([, onTerminal]) => !onTerminal || fs.existsSync('/usr/bin/script'))) {
      const output = await startAndStop(logging, terminal);
      const line = output.split(/\r?\n/).find((l) => l.includes('DeployDB started'))!;
      expect(JSON.parse(line)).toMatchObject({ level: 30, msg: 'DeployDB started', name: 'deploydb' });
    }
  });
});
