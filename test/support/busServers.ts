/**
 * The local brokers of the bus tests (nats-server, redis-server): stop and start them, wait for
 * them, and share them between test files that run at the same time.
 *
 * Only the servers listening on the test ports of this machine are touched. A server that a
 * test stops is always started again (`withBrokerStopped` restarts it in `finally`, and
 * `ensureBrokerRunning` is safe to call from any afterAll).
 *
 * Test files of this suite run in parallel worker processes. A file that stops a broker takes
 * the broker's lock exclusively; a file that only needs the broker to stay up takes it shared.
 * The locks are marker files in the temporary folder, owned by a process id, so a crashed
 * worker never blocks the others.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NATS, POSTGRES, REDIS, reachable, serviceUrls, servicesAvailable, type ServiceProbe } from '@deploydb/core/testing';

export type Broker = 'nats' | 'redis';

const NATS_BINARY = '/usr/sbin/nats-server';
const PORTS: Record<Broker, number> = { nats: 4222, redis: 6379 };
const PROBES: Record<Broker, ServiceProbe> = { nats: NATS, redis: REDIS };

/** How long a broker that another test stopped may take to come back before we give up. */
const COME_BACK_MS = 20_000;

/** True when the test server of `broker` is the local one these helpers can stop and start. */
export function canRestartBroker(broker: Broker): boolean {
  if (broker === 'nats') return existsSync(NATS_BINARY) && /^nats:\/\/(127\.0\.0\.1|localhost):4222\/?$/.test(serviceUrls.nats);
  return /^redis:\/\/(127\.0\.0\.1|localhost):6379\/?$/.test(serviceUrls.redis) && binary('redis-server') !== undefined && binary('redis-cli') !== undefined;
}

/**
 * `servicesAvailable` for a broker that another test may be restarting right now: waits a
 * bounded time for its port before deciding (skip, or fail under DEPLOYDB_REQUIRE_SERVICES=1).
 */
export async function brokerAvailable(broker: Broker, ...others: ServiceProbe[]): Promise<boolean> {
  await waitForPort(PORTS[broker], true, COME_BACK_MS).catch(() => undefined);
  return servicesAvailable(PROBES[broker], ...others);
}

/** PostgreSQL and the broker, for the suites that need both. */
export function brokerAndPostgresAvailable(broker: Broker): Promise<boolean> {
  return brokerAvailable(broker, POSTGRES);
}

/** Waits (bounded) until the broker listens; starts it when it stays away and we may. */
export async function ensureBrokerRunning(broker: Broker): Promise<void> {
  const port = PORTS[broker];
  if (await portOpen(port)) return;
  // Another test may be in the middle of a restart: give it the time to finish.
  const back = await waitForPort(port, true, 5_000).then(
    () => true,
    () => false,
  );
  if (back || !canRestartBroker(broker)) {
    if (!back) await waitForPort(port, true, COME_BACK_MS);
    return;
  }
  startBroker(broker);
  await waitForPort(port, true, 15_000);
}

/**
 * Stops the local broker, runs `whileDown`, and starts the broker again whatever happens.
 * Resolves once the broker listens again.
 */
export async function withBrokerStopped<T>(broker: Broker, whileDown: () => Promise<T>): Promise<T> {
  if (!canRestartBroker(broker)) throw new Error(`the ${broker} test server is not the local one; it cannot be restarted`);
  try {
    stopBroker(broker);
    await waitForPort(PORTS[broker], false, 10_000);
    return await whileDown();
  } finally {
    await ensureBrokerRunning(broker);
  }
}

function stopBroker(broker: Broker): void {
  if (broker === 'nats') {
    const pid = natsPid();
    if (pid === undefined) throw new Error(`no nats-server listens on 127.0.0.1:${PORTS.nats}`);
    process.kill(pid, 'SIGTERM');
  } else {
    spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(PORTS.redis), 'shutdown', 'nosave'], { stdio: 'ignore', timeout: 5000 });
  }
}

function startBroker(broker: Broker): void {
  if (broker === 'nats') {
    spawnSync(
      'start-stop-daemon',
      ['--start', '--oknodo', '--background', '--exec', NATS_BINARY, '--', '-a', '127.0.0.1', '-p', String(PORTS.nats), '-js', '-sd', '/var/lib/nats-server', '-l', '/var/log/nats-server.log'],
      { stdio: 'ignore', timeout: 10_000 },
    );
  } else {
    spawnSync(
      'redis-server',
      ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(PORTS.redis), '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'],
      { stdio: 'ignore', timeout: 10_000 },
    );
  }
}

function natsPid(): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${PORTS.nats}`], { encoding: 'utf8', timeout: 5000 });
    const match = out.match(/"nats-server",pid=(\d+)/);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function binary(name: string): string | undefined {
  return ['/usr/bin', '/usr/local/bin', '/usr/sbin'].map((dir) => `${dir}/${name}`).find((file) => existsSync(file));
}

function portOpen(port: number): Promise<boolean> {
  return reachable({ name: 'port', host: '127.0.0.1', port }, 500);
}

async function waitForPort(port: number, open: boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await portOpen(port)) !== open) {
    if (Date.now() > deadline) throw new Error(`port ${port} still ${open ? 'closed' : 'open'} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// ---------------------------------------------------------------------------------------------
// Locks between test files

const LOCK_DIR = path.join(os.tmpdir(), 'deploydb-bus-test-locks');

/** Releases a lock taken with `lockBroker`; calling it twice is harmless. */
export type Release = () => void;

/**
 * Takes the broker's lock: `exclusive` to stop the broker, `shared` to rely on it staying up.
 * Waits at most `timeoutMs` for the holders to finish.
 */
export async function lockBroker(broker: Broker, mode: 'shared' | 'exclusive', timeoutMs = 120_000): Promise<Release> {
  fs.mkdirSync(LOCK_DIR, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  const exclusive = path.join(LOCK_DIR, `${broker}.exclusive`);
  const sharedPrefix = `${broker}.shared.`;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 100));
  const check = () => {
    if (Date.now() > deadline) throw new Error(`could not lock ${broker} (${mode}) within ${timeoutMs} ms`);
  };

  if (mode === 'exclusive') {
    // Take the exclusive marker (new shared holders back off), then wait for the shared ones to go.
    for (;;) {
      try {
        fs.writeFileSync(exclusive, String(process.pid), { flag: 'wx' });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        removeIfStale(exclusive);
        check();
        await pause();
      }
    }
    const release = once(() => fs.rmSync(exclusive, { force: true }));
    try {
      while (liveMarkers(sharedPrefix).length > 0) {
        check();
        await pause();
      }
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  const mine = path.join(LOCK_DIR, `${sharedPrefix}${process.pid}.${randomUUID().slice(0, 8)}`);
  for (;;) {
    removeIfStale(exclusive);
    if (!fs.existsSync(exclusive)) {
      fs.writeFileSync(mine, String(process.pid));
      // Written first, checked second (the exclusive side does the same): one of us sees the other.
      if (!fs.existsSync(exclusive)) return once(() => fs.rmSync(mine, { force: true }));
      fs.rmSync(mine, { force: true });
    }
    check();
    await pause();
  }
}

function liveMarkers(prefix: string): string[] {
  return fs
    .readdirSync(LOCK_DIR)
    .filter((name) => name.startsWith(prefix))
    .map((name) => path.join(LOCK_DIR, name))
    .filter((file) => !removeIfStale(file));
}

/** Removes a marker whose process is gone; true when it was removed (or already gone). */
function removeIfStale(file: string): boolean {
  let text: string;
  let age: number;
  try {
    text = fs.readFileSync(file, 'utf8');
    age = Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return true;
  }
  // Empty for an instant between its creation and the write of the owner's pid.
  if (text === '') {
    if (age < 10_000) return false;
  } else if (alive(Number(text))) {
    return false;
  }
  fs.rmSync(file, { force: true });
  return true;
}

function alive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function once(fn: () => void): Release {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
