/**
 * A NATS or Redis server of a test's own, on a free loopback port, for tests that need the bus's
 * default names (stream `DEPLOYDB`, subjects `deploydb.>`, `deploydb:events`): on the shared
 * servers those names may be in use by anything else running there. Started from the installed
 * binary, stopped by the test that started it (and restarted by it, when it wants an outage).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitUntilReachable } from '@deploydb/core/testing';

export type BrokerKind = 'nats' | 'redis';

export interface PrivateBroker {
  kind: BrokerKind;
  url: string;
  /**
   * Stops the server (SIGTERM, so it writes what it holds), runs `whileDown` if given, and starts
   * it again on the same port and data (whatever `whileDown` did).
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export interface PrivateBrokerOptions {
  /**
   * Redis only: keep the data across a restart (append-only file). NATS always keeps its
   * JetStream data in the server's folder until `stop()`.
   */
  persistent?: boolean;
}

const BINARIES: Record<BrokerKind, string[]> = {
  nats: ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'],
  redis: ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/usr/sbin/redis-server'],
};

function binaryOf(kind: BrokerKind): string | undefined {
  return BINARIES[kind].find((file) => existsSync(file));
}

/**
 * True when the broker's binary is installed. Without it: throws under
 * DEPLOYDB_REQUIRE_SERVICES=1, else says which tests are skipped and why.
 */
export function privateBrokerAvailable(kind: BrokerKind): boolean {
  if (binaryOf(kind)) return true;
  const what = `${kind === 'nats' ? 'nats-server' : 'redis-server'} is not installed (looked in ${BINARIES[kind].join(', ')})`;
  if (process.env.DEPLOYDB_REQUIRE_SERVICES === '1') throw new Error(`${what}, and DEPLOYDB_REQUIRE_SERVICES=1 requires it`);
  console.warn(`skipping tests that run a ${kind} server of their own: ${what}`);
  return false;
}

/** Starts a broker on a free port; resolves once it accepts connections. */
export async function startPrivateBroker(kind: BrokerKind, { persistent = false }: PrivateBrokerOptions = {}): Promise<PrivateBroker> {
  const binary = binaryOf(kind);
  if (!binary) throw new Error(`no ${kind} server binary installed`);
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), `deploydb-${kind}-`));
  const args =
    kind === 'nats'
      ? ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir]
      : ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', persistent ? 'yes' : 'no', '--dir', dir];
  let running = launch(binary, args);
  const halt = async () => {
    const { child, exited } = running;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const stop = async () => {
    await halt();
    rmSync(dir, { recursive: true, force: true });
  };
  const restart = async (whileDown?: () => Promise<void>) => {
    await halt();
    try {
      await whileDown?.();
    } finally {
      running = launch(binary, args);
      await waitUntilReachable({ name: kind, host: '127.0.0.1', port }, true, 15_000);
    }
  };
  try {
    await waitUntilReachable({ name: kind, host: '127.0.0.1', port }, true, 15_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { kind, url: `${kind}://127.0.0.1:${port}`, restart, stop };
}

function launch(binary: string, args: string[]): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn(binary, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited };
}
