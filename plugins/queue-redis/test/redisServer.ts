/**
 * Stops and starts the local redis-server for reconnect tests. It is shut down through its own
 * protocol (SHUTDOWN NOSAVE) and, whatever happens, started again with the machine's settings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

const PORT = 6379;

/** True when the test server is the local one this helper can restart. */
export function canRestartRedis(url: string): boolean {
  return /^redis:\/\/(127\.0\.0\.1|localhost):6379\/?$/.test(url) && binary('redis-server') !== undefined && binary('redis-cli') !== undefined;
}

/** Stops the local redis-server and runs `whileDown` (if given) before starting it again. */
export async function restartRedis(whileDown?: () => Promise<void>): Promise<void> {
  try {
    spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(PORT), 'shutdown', 'nosave'], { stdio: 'ignore', timeout: 5000 });
    await waitForPort(false, 10_000);
    await whileDown?.();
  } finally {
    await ensureRedisRunning();
  }
}

/** Starts the local redis-server unless something listens on its port; resolves once it does. */
export async function ensureRedisRunning(): Promise<void> {
  if (await portOpen()) return;
  spawnSync(
    'redis-server',
    ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(PORT), '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'],
    { stdio: 'ignore', timeout: 10_000 },
  );
  await waitForPort(true, 15_000);
}

function binary(name: string): string | undefined {
  return ['/usr/bin', '/usr/local/bin', '/usr/sbin'].map((dir) => `${dir}/${name}`).find((path) => existsSync(path));
}

function portOpen(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: PORT });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForPort(open: boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await portOpen()) !== open) {
    if (Date.now() > deadline) throw new Error(`redis-server port ${PORT} still ${open ? 'closed' : 'open'} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
