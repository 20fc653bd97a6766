/**
 * DeployDB as its own process (the built CLI, `deploydb start --config …`) on PostgreSQL, going
 * down while its broker is down (CONTRACT §5 "no event is lost", §8 process):
 *
 * - killed with SIGKILL between commit and publish (NATS stopped, so the events are committed but
 *   cannot be published): once NATS and DeployDB are back, the events reach the bus, each once,
 *   alongside those published before the crash;
 * - stopped with SIGTERM while the broker is down: it exits 0 within 30 s, and publishes what it
 *   holds once it runs again.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase, freePort } from '@deploydb/core/testing';
import { LEDGER_CONFIG, TOKENS, newArtifact } from './support/fixtures.js';
import { brokerAndPostgresAvailable, canRestartBroker, ensureBrokerRunning, lockBroker, withBrokerStopped, type Broker, type Release } from './support/busServers.js';
import {
  deleteNatsStream,
  deleteRedisKeys,
  eventually,
  expectBusMatchesOutbox,
  expectEnvelope,
  natsBusConfig,
  natsBusEvents,
  outboxRowsAt,
  queueYaml,
  redisBusConfig,
  redisBusEvents,
  typesByDeployment,
  uniqueTag,
  type BusMessage,
} from './support/busReaders.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(root, 'core', 'dist', 'cli', 'main.js');

/** A DeployDB process and what it printed. */
interface DeployDbProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const available = {
  nats: (await brokerAndPostgresAvailable('nats')) && canRestartBroker('nats'),
  redis: (await brokerAndPostgresAvailable('redis')) && canRestartBroker('redis'),
};

/**
 * Registers the hooks of a suite running DeployDB processes on a fresh database with `broker`
 * as the queue, and returns what its tests use.
 */
function deployDbProcesses(broker: Broker) {
  const tag = uniqueTag();
  const queue =
    broker === 'nats'
      ? { yaml: queueYaml('@deploydb/queue-nats', natsBusConfig(tag)), read: () => natsBusEvents(natsBusConfig(tag)), cleanup: () => deleteNatsStream(natsBusConfig(tag).stream) }
      : { yaml: queueYaml('@deploydb/queue-redis', redisBusConfig(tag)), read: () => redisBusEvents(redisBusConfig(tag)), cleanup: () => deleteRedisKeys(tag) };
  const children: DeployDbProcess[] = [];
  const state = { dir: '', configPath: '', databaseUrl: '', baseUrl: '' };
  let release: Release | undefined;

  beforeAll(async () => {
    release = await lockBroker(broker, 'exclusive');
    await ensureBrokerRunning(broker);
    // `npm test` builds first; a bare `vitest run` on a fresh clone may not have.
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(root, 'scripts', 'ensure-built.mjs')], { cwd: root, stdio: 'ignore', timeout: 180_000 });
    state.databaseUrl = await createTestDatabase();
    state.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploydb-bus-crash-'));
    const port = await freePort();
    state.baseUrl = `http://127.0.0.1:${port}`;
    state.configPath = path.join(state.dir, 'deploydb.yaml');
    fs.writeFileSync(
      state.configPath,
      `server: { host: 127.0.0.1, port: ${port} }\nlogging: { level: info }\ndatabase: { url: "${state.databaseUrl}" }\n${queue.yaml}${LEDGER_CONFIG}`,
    );
  }, 240_000);

  afterAll(async () => {
    try {
      for (const { child } of children) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      await Promise.all(children.map((c) => withTimeout(c.exited, 10_000).catch(() => undefined)));
      await ensureBrokerRunning(broker);
      await queue.cleanup().catch(() => undefined);
      if (state.databaseUrl) await dropTestDatabase(state.databaseUrl);
      if (state.dir) fs.rmSync(state.dir, { recursive: true, force: true });
    } finally {
      release?.();
    }
  }, 60_000);

  /** Starts `deploydb start --config …` and waits (bounded) until /health answers 200. */
  async function start(): Promise<DeployDbProcess> {
    const env = { ...process.env };
    delete env.PORT;
    delete env.DEPLOYDB_CONFIG;
    delete env.LOG_LEVEL;
    const child = spawn(process.execPath, [CLI, 'start', '--config', state.configPath], { cwd: state.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    // 'close': after the exit and the end of its output, so what it printed on the way out is kept.
    let ended = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, signal) => {
        ended = true;
        resolve({ code, signal });
      }),
    );
    const started: DeployDbProcess = { child, output, exited };
    children.push(started);
    await eventually(
      async () => {
        if (ended) throw new Error(`DeployDB exited (${child.exitCode ?? child.signalCode}):\n${tail(output)}`);
        const response = await fetch(`${state.baseUrl}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
        expect(response?.status, `DeployDB not ready:\n${tail(output)}`).toBe(200);
      },
      30_000,
      200,
    ).catch((error) => {
      // A process that could not start must not outlive the test.
      child.kill('SIGKILL');
      throw error;
    });
    return started;
  }

  /** Calls the API as CI (bounded), expecting a status. */
  async function call(method: string, urlPath: string, body: unknown, expected: number): Promise<any> {
    const response = await fetch(`${state.baseUrl}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${TOKENS.ci}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    expect(response.status, `${method} ${urlPath}: ${text}`).toBe(expected);
    return text ? JSON.parse(text) : null;
  }

  /** Waits (bounded) until DeployDB's /health shows the queue down. */
  async function queueDown(): Promise<void> {
    await eventually(async () => {
      const health = await fetch(`${state.baseUrl}/health`, { signal: AbortSignal.timeout(5000) });
      expect(((await health.json()) as any).checks?.queue?.status).toBe('down');
    }, 15_000);
  }

  const outbox = () => outboxRowsAt(state.databaseUrl);

  /** Waits (bounded) until every stored event is marked published and on the bus; returns the bus. */
  async function allOnTheBus(): Promise<BusMessage[]> {
    return eventually(
      async () => {
        const rows = await outbox();
        expect(rows.filter((r) => !r.published).map((r) => r.type), 'unpublished').toEqual([]);
        const bus = await queue.read();
        const onBus = new Set(bus.map((m) => m.event.id));
        expect(rows.filter((r) => !onBus.has(r.eventId)).map((r) => r.type), 'not on the bus').toEqual([]);
        return bus;
      },
      30_000,
      250,
    );
  }

  return { start, call, queueDown, outbox, allOnTheBus };
}

describe.runIf(available.nats)('DeployDB killed with SIGKILL between commit and publish (NATS, PostgreSQL, the CLI)', () => {
  const deploydb = deployDbProcesses('nats');

  it('publishes, after a restart, the events committed before a SIGKILL, each once', async () => {
    const first = await deploydb.start();

    // Published normally before the crash.
    const before = await deploydb.call('POST', '/api/artifacts', newArtifact('com.acme:foas'), 201);
    await deploydb.allOnTheBus();
    const publishedBefore = (await deploydb.outbox()).length;

    const crashed = await withBrokerStopped('nats', async () => {
      // Wait until DeployDB noticed, so nothing is in flight towards the old connection.
      await deploydb.queueDown();
      const artifact = await deploydb.call('POST', '/api/artifacts', newArtifact('com.acme:foas'), 201);
      const dev = artifact.flows[0].deployments[0];
      expect((await deploydb.call('PATCH', `/api/deployments/${dev.id}`, { status: 'COMPLETED' }, 200)).status).toBe('VERIFIED');
      const committed = (await deploydb.outbox()).slice(publishedBefore);
      expect(committed.map((r) => r.type)).toEqual([
        'deploydb.artifact.created',
        'deploydb.deployment.created',
        'deploydb.deployment.completed',
        'deploydb.deployment.verified',
        'deploydb.deployment.created',
      ]);
      expect(committed.filter((r) => r.published)).toEqual([]);
      first.child.kill('SIGKILL');
      expect(await withTimeout(first.exited, 10_000)).toEqual({ code: null, signal: 'SIGKILL' });
      return { artifact, dev };
    });

    // NATS is back, DeployDB is not: the events wait in the outbox.
    expect((await deploydb.outbox()).slice(publishedBefore).filter((r) => r.published)).toEqual([]);

    const second = await deploydb.start();
    const messages = await deploydb.allOnTheBus();
    const outbox = await deploydb.outbox();
    for (const message of messages) {
      expectEnvelope(message.event);
      expect(message.messageId).toBe(message.event.id);
      expect(message.type).toBe(message.event.type);
    }
    expectBusMatchesOutbox(messages, outbox);
    expect(messages.filter((m) => m.event.type === 'deploydb.artifact.created').map((m) => m.event.data.id)).toEqual([before.id, crashed.artifact.id]);
    expect(typesByDeployment(messages.map((m) => m.event))[`deployments/${crashed.dev.id}`]).toEqual([
      'deployment.created',
      'deployment.completed',
      'deployment.verified',
    ]);

    // And it still stops cleanly (CONTRACT §8).
    second.child.kill('SIGTERM');
    expect(await withTimeout(second.exited, 35_000)).toEqual({ code: 0, signal: null });
  }, 120_000);
});

for (const broker of ['nats', 'redis'] as const) {
  describe.runIf(available[broker])(`DeployDB stopped with SIGTERM while ${broker === 'nats' ? 'NATS' : 'Redis'} is down (PostgreSQL, the CLI)`, () => {
    const deploydb = deployDbProcesses(broker);

    it('exits 0 within 30 s, and publishes what it holds once it runs again', async () => {
      const first = await deploydb.start();
      const stopping = await withBrokerStopped(broker, async () => {
        await deploydb.queueDown();
        const artifact = await deploydb.call('POST', '/api/artifacts', newArtifact('com.acme:foas'), 201);
        await deploydb.call('PATCH', `/api/deployments/${artifact.flows[0].deployments[0].id}`, { status: 'STARTED' }, 200);
        const began = Date.now();
        first.child.kill('SIGTERM');
        // The stop gets under way while the broker is still down; the broker then comes back
        // (keeping it down for the whole stop would only keep it from other tests longer).
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return { began, artifact };
      });
      // CONTRACT §8: finish what is in flight and exit 0 within 30 s (a little slack for the process itself).
      const exit = await withTimeout(first.exited, 40_000).catch(() => null);
      const stopped = { ...stopping, exit, seconds: (Date.now() - stopping.began) / 1000 };
      // Soft: what follows (nothing lost) is worth knowing even when the stop was not clean.
      expect.soft(stopped.exit, `exit after SIGTERM with ${broker} down (took ${stopped.seconds} s)`).toEqual({ code: 0, signal: null });
      expect.soft(stopped.seconds, 'seconds to exit after SIGTERM').toBeLessThanOrEqual(30);
      if (!stopped.exit) first.child.kill('SIGKILL');

      const held = await deploydb.outbox();
      expect(held.map((r) => r.type)).toEqual(['deploydb.artifact.created', 'deploydb.deployment.created', 'deploydb.deployment.started']);
      expect(held.filter((r) => r.published)).toEqual([]);

      const second = await deploydb.start();
      const messages = await deploydb.allOnTheBus();
      expectBusMatchesOutbox(messages, await deploydb.outbox());
      expect(messages.filter((m) => m.event.type === 'deploydb.artifact.created').map((m) => m.event.data.id)).toEqual([stopped.artifact.id]);

      second.child.kill('SIGTERM');
      expect(await withTimeout(second.exited, 35_000)).toEqual({ code: 0, signal: null });
    }, 120_000);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no result within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function tail(output: string[]): string {
  return output.join('').split('\n').slice(-20).join('\n');
}
