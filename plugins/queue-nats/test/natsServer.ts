/**
 * Stops and starts the local nats-server for reconnect tests. Only the server listening on the
 * test port of this machine is touched, found by its pid; whatever happens it is started again.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { NATS, reachable, waitUntilReachable } from '@deploydb/core/testing';

const NATS_BINARY = '/usr/sbin/nats-server';
const PORT = NATS.port;

/** True when the test server is the local one this helper can restart. */
export function canRestartNats(url: string): boolean {
  return existsSync(NATS_BINARY) && /^nats:\/\/(127\.0\.0\.1|localhost):4222\/?$/.test(url) && listenerPid() !== undefined;
}

/** Stops the local nats-server and runs `whileDown` (if given) before starting it again. */
export async function restartNats(whileDown?: () => Promise<void>): Promise<void> {
  const pid = listenerPid();
  if (pid === undefined) throw new Error(`no process listens on 127.0.0.1:${PORT}`);
  try {
    process.kill(pid, 'SIGTERM');
    await waitUntilReachable(NATS, false, 10_000);
    await whileDown?.();
  } finally {
    await ensureNatsRunning();
  }
}

/** Starts the local nats-server unless something listens on its port; resolves once it does. */
export async function ensureNatsRunning(): Promise<void> {
  if (await reachable(NATS, 500)) return;
  spawnSync(
    'start-stop-daemon',
    ['--start', '--oknodo', '--background', '--exec', NATS_BINARY, '--', '-a', '127.0.0.1', '-p', String(PORT), '-js', '-sd', '/var/lib/nats-server', '-l', '/var/log/nats-server.log'],
    { stdio: 'ignore', timeout: 10_000 },
  );
  await waitUntilReachable(NATS, true, 15_000);
}

function listenerPid(): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${PORT}`], { encoding: 'utf8', timeout: 5000 });
    const match = out.match(/"nats-server",pid=(\d+)/);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
