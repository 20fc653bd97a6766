/**
 * Real servers for integration tests. Without DEPLOYDB_REQUIRE_SERVICES=1 a test whose server
 * is not reachable is skipped with a message naming the server and the variable; with it, it fails.
 */
import net from 'node:net';

export interface ServiceProbe {
  /** Human name, e.g. "PostgreSQL". */
  name: string;
  host: string;
  port: number;
}

export const POSTGRES: ServiceProbe = { name: 'PostgreSQL', host: '127.0.0.1', port: 5432 };
export const REDIS: ServiceProbe = { name: 'Redis', host: '127.0.0.1', port: 6379 };
export const NATS: ServiceProbe = { name: 'NATS', host: '127.0.0.1', port: 4222 };

/** The server URLs tests use; each can be pointed elsewhere by environment variable. */
export const serviceUrls = {
  postgres: process.env.DEPLOYDB_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redis: process.env.DEPLOYDB_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.DEPLOYDB_TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
};

export function reachable(probe: ServiceProbe, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: probe.host, port: probe.port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves true when every server answers. When one does not: throws under
 * DEPLOYDB_REQUIRE_SERVICES=1, else prints why the tests are skipped and resolves false.
 * Use with `describe.runIf(await servicesAvailable(POSTGRES))`.
 */
export async function servicesAvailable(...probes: ServiceProbe[]): Promise<boolean> {
  for (const probe of probes) {
    if (await reachable(probe)) continue;
    const what = `${probe.name} is not reachable on ${probe.host}:${probe.port}`;
    if (process.env.DEPLOYDB_REQUIRE_SERVICES === '1') {
      throw new Error(`${what}, and DEPLOYDB_REQUIRE_SERVICES=1 requires it`);
    }
    console.warn(`skipping tests that need ${probe.name}: ${what}. Start it and set DEPLOYDB_REQUIRE_SERVICES=1 to make this a failure.`);
    return false;
  }
  return true;
}

/** Resolves once `probe` answers (`reachable: true`) or stops answering (`false`); throws after `timeoutMs`. */
export async function waitUntilReachable(probe: ServiceProbe, reachableWanted: boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await reachable(probe, 500)) !== reachableWanted) {
    if (Date.now() > deadline) throw new Error(`${probe.name} on ${probe.host}:${probe.port} still ${reachableWanted ? 'closed' : 'open'} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TCP port free on loopback right now (for a server a test starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
