/**
 * Stops and starts the local redis-server for reconnect tests. It is shut down through its own
 * protocol (SHUTDOWN NOSAVE) and, whatever happens, started again with the machine's settings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { REDIS, reachable, waitUntilReachable } from '@deploydb/core/testing';

const PORT = REDIS.port;

/** True when the test server is the local one this helper can restart. */
export function canRestartRedis(url: string): boolean {
  return /^redis:\/\/(127\.0\.0\.1|localhost):6379\/?$/.test(url) && binary('redis-server') !== undefined && binary('redis-cli') !== undefined;
}

/** Stops the local redis-server and runs `whileDown` (if given) before starting it again. */
export async function restartRedis(whileDown?: () => Promise<void>): Promise<void> {
  try {
    spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(PORT), 'shutdown', 'nosave'], { stdio: 'ignore', timeout: 5000 });
    await waitUntilReachable(REDIS, false, 10_000);
    await whileDown?.();
  } finally {
    await ensureRedisRunning();
  }
}

/** Starts the local redis-server unless something listens on its port; resolves once it does. */
export async function ensureRedisRunning(): Promise<void> {
  if (await reachable(REDIS, 500)) return;
  spawnSync(
    'redis-server',
    ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', String(PORT), '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'],
    { stdio: 'ignore', timeout: 10_000 },
  );
  await waitUntilReachable(REDIS, true, 15_000);
}

function binary(name: string): string | undefined {
  return ['/usr/bin', '/usr/local/bin', '/usr/sbin'].map((dir) => `${dir}/${name}`).find((path) => existsSync(path));
}
