/**
 * DeployDB killed between commit and publish (CONTRACT §5 "no event is lost"): DeployDB runs as
 * its own process (the built CLI) on PostgreSQL with queue-nats. With NATS stopped it takes an
 * artifact (201) and a report, so the events are committed but cannot be published; it is then
 * killed with SIGKILL. NATS comes back, DeployDB is started again, and the events reach the bus,
 * each once, alongside those published before the crash.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase } from '@deploydb/core/testing';
import { LEDGER_CONFIG, TOKENS, newArtifact } from './support/fixtures.js';
import { brokerAndPostgresAvailable, canRestartBroker, ensureBrokerRunning, lockBroker, withBrokerStopped, type Release } from './support/busServers.js';
import {
  deleteNatsStream,
  eventually,
  expectBusMatchesOutbox,
  expectEnvelope,
  natsBusConfig,
  natsBusEvents,
  outboxRowsAt,
  queueYaml,
  typesByDeployment,
  uniqueTag,
} from './support/busReaders.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(root, 'core', 'dist', 'cli', 'main.js');

/** A DeployDB process and what it printed. */
interface DeployDbProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const runs = (await brokerAndPostgresAvailable('nats')) && canRestartBroker('nats');

describe.runIf(runs)('DeployDB killed between commit and publish (NATS, PostgreSQL, the CLI)', () => {
  const config = natsBusConfig(uniqueTag());
  const children: DeployDbProcess[] = [];
  let release: Release | undefined;
  let dir: string;
  let configPath: string;
  let databaseUrl: string | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    release = await lockBroker('nats', 'exclusive');
    await ensureBrokerRunning('nats');
    // `npm test` builds first; a bare `vitest run` on a fresh clone may not have.
    if (!fs.existsSync(CLI)) execFileSync(process.execPath, [path.join(root, 'scripts', 'ensure-built.mjs')], { cwd: root, stdio: 'ignore', timeout: 180_000 });
    databaseUrl = await createTestDatabase();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploydb-bus-crash-'));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    configPath = path.join(dir, 'deploydb.yaml');
    fs.writeFileSync(
      configPath,
      `server: { host: 127.0.0.1, port: ${port} }\nlogging: { level: info }\ndatabase: { url: "${databaseUrl}" }\n${queueYaml('@deploydb/queue-nats', config)}${LEDGER_CONFIG}`,
    );
  }, 240_000);

  afterAll(async () => {
    try {
      for (const { child } of children) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      await Promise.all(children.map((c) => withTimeout(c.exited, 10_000).catch(() => undefined)));
      await ensureBrokerRunning('nats');
      await deleteNatsStream(config.stream).catch(() => undefined);
      if (databaseUrl) await dropTestDatabase(databaseUrl);
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    } finally {
      release?.();
    }
  }, 60_000);

  /** Starts `deploydb start --config …` and waits (bounded) until /health answers 200. */
  async function startDeployDb(): Promise<DeployDbProcess> {
    const env = { ...process.env };
    delete env.PORT;
    delete env.DEPLOYDB_CONFIG;
    delete env.LOG_LEVEL;
    const child = spawn(process.execPath, [CLI, 'start', '--config', configPath], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const started: DeployDbProcess = { child, output, exited };
    children.push(started);
    await eventually(async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`DeployDB exited (${child.exitCode ?? child.signalCode}):\n${tail(output)}`);
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
      expect(response?.status, `DeployDB not ready:\n${tail(output)}`).toBe(200);
    }, 30_000, 200).catch((error) => {
      // A process that could not start must not outlive the test.
      child.kill('SIGKILL');
      throw error;
    });
    return started;
  }

  /** Calls the API as CI (bounded), expecting a status. */
  async function call(method: string, urlPath: string, body: unknown, expected: number): Promise<any> {
    const response = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${TOKENS.ci}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    expect(response.status, `${method} ${urlPath}: ${text}`).toBe(expected);
    return text ? JSON.parse(text) : null;
  }

  it('publishes, after a restart, the events committed before a SIGKILL, each once', async () => {
    const first = await startDeployDb();

    // Published normally before the crash.
    const before = await call('POST', '/api/artifacts', newArtifact('com.acme:foas'), 201);
    await eventually(async () => {
      const outbox = await outboxRowsAt(databaseUrl!);
      expect(outbox.filter((r) => r.publishedAt === null)).toEqual([]);
      expect((await natsBusEvents(config)).length).toBe(outbox.length);
    }, 20_000);
    const early = await outboxRowsAt(databaseUrl!);
    const publishedBefore = early.length;

    const crashed = await withBrokerStopped('nats', async () => {
      // Wait until DeployDB noticed, so nothing is in flight towards the old connection.
      await eventually(async () => {
        const health = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5000) });
        expect(((await health.json()) as any).checks?.queue?.status).toBe('down');
      }, 15_000);
      const artifact = await call('POST', '/api/artifacts', newArtifact('com.acme:foas'), 201);
      const dev = artifact.flows[0].deployments[0];
      expect((await call('PATCH', `/api/deployments/${dev.id}`, { status: 'COMPLETED' }, 200)).status).toBe('VERIFIED');
      const committed = (await outboxRowsAt(databaseUrl!)).slice(publishedBefore);
      expect(committed.map((r) => r.type)).toEqual([
        'deploydb.artifact.created',
        'deploydb.deployment.created',
        'deploydb.deployment.completed',
        'deploydb.deployment.verified',
        'deploydb.deployment.created',
      ]);
      expect(committed.filter((r) => r.publishedAt !== null)).toEqual([]);
      first.child.kill('SIGKILL');
      expect(await withTimeout(first.exited, 10_000)).toEqual({ code: null, signal: 'SIGKILL' });
      return { artifact, dev };
    });

    // NATS is back, DeployDB is not: the events wait in the outbox.
    expect((await outboxRowsAt(databaseUrl!)).slice(publishedBefore).filter((r) => r.publishedAt !== null)).toEqual([]);

    const second = await startDeployDb();
    const messages = await eventually(async () => {
      const outbox = await outboxRowsAt(databaseUrl!);
      expect(outbox.filter((r) => r.publishedAt === null).map((r) => r.type), 'unpublished').toEqual([]);
      const bus = await natsBusEvents(config);
      const onBus = new Set(bus.map((m) => m.event.id));
      expect(outbox.filter((r) => !onBus.has(r.eventId)).map((r) => r.type), 'not on the bus').toEqual([]);
      return bus;
    }, 30_000, 250);
    const outbox = await outboxRowsAt(databaseUrl!);
    for (const message of messages) {
      expectEnvelope(message.event);
      expect(message.messageId).toBe(message.event.id);
      expect(message.type).toBe(message.event.type);
    }
    expectBusMatchesOutbox(messages, outbox);
    // What the first process had published was not published again by the second.
    expect(outbox.slice(0, publishedBefore).map((r) => r.publishedAt?.getTime())).toEqual(early.map((r) => r.publishedAt?.getTime()));
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
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
