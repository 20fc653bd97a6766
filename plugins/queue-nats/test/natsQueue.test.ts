import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import Value from 'typebox/value';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '@deploydb/core';
import { NATS, queueProviderContract, serviceUrls, servicesAvailable } from '@deploydb/core/testing';
import plugin, { KEY_HEADER, natsQueueConfigSchema, type NatsQueueConfig } from '../src/index.js';
import { canRestartNats, ensureNatsRunning, restartNats } from './natsServer.js';

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/** A configuration whose stream and subject prefix are written in it. */
type NamedConfig = NatsQueueConfig & { stream: string; subjectPrefix: string };

/** A configuration of its own for one test: a unique stream and subject prefix, short timings. */
function testConfig(overrides: Partial<NatsQueueConfig> = {}): NamedConfig {
  const tag = randomUUID().slice(0, 8);
  return Value.Default(natsQueueConfigSchema, {
    servers: serviceUrls.nats,
    stream: `DEPLOYDB_QTEST_${tag}`,
    subjectPrefix: `t${tag}.`,
    ackWait: 1,
    retryDelay: 0.2,
    ...overrides,
  }) as NamedConfig;
}

async function deleteStream(stream: string): Promise<void> {
  const nc = await connect({ servers: serviceUrls.nats, timeout: 5000 });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

function createProvider(config: NatsQueueConfig, installationId?: string) {
  return plugin.create({ config, logger: silent, clock: { now: () => new Date() }, configDir: process.cwd(), installationId, deps: {} });
}

describe('queue-nats config', () => {
  it('fills in the documented defaults', () => {
    const config = Value.Default(natsQueueConfigSchema, {});
    // The stream and the subject prefix have defaults too (DEPLOYDB, ""), applied by the
    // provider: whether they were written decides what a clash with another installation does.
    expect(config).toEqual({
      servers: 'nats://127.0.0.1:4222',
      subjects: ['deploydb.>'],
      ackWait: 30,
      maxDeliver: -1,
      retryDelay: 1,
      duplicateWindow: 120,
      maxMessages: 1_000_000,
      concurrency: 10,
    });
    expect(Value.Check(natsQueueConfigSchema, config)).toBe(true);
  });

  it('refuses unknown keys and impossible values', () => {
    const defaults = Value.Default(natsQueueConfigSchema, {}) as NatsQueueConfig;
    expect(Value.Check(natsQueueConfigSchema, { ...defaults, server: 'nats://x' })).toBe(false);
    expect(Value.Check(natsQueueConfigSchema, { ...defaults, maxDeliver: 0 })).toBe(false);
    expect(Value.Check(natsQueueConfigSchema, { ...defaults, subjectPrefix: 'no-dot' })).toBe(false);
    expect(Value.Check(natsQueueConfigSchema, { ...defaults, servers: ['nats://a:4222', 'nats://b:4222'], maxDeliver: 5 })).toBe(true);
  });

  it('is a queue plugin named after its package', () => {
    expect(plugin.kind).toBe('queue');
    expect(plugin.id).toBe('@deploydb/queue-nats');
    expect(plugin.$$type).toBe('@deploydb/plugin');
  });
});

describe.runIf(await servicesAvailable(NATS))('queue-nats against NATS JetStream', () => {
  afterAll(async () => {
    if (canRestartNats(serviceUrls.nats)) await ensureNatsRunning();
  });

  queueProviderContract('queue-nats', async () => {
    const config = testConfig();
    return {
      provider: await createProvider(config),
      restartServer: canRestartNats(serviceUrls.nats) ? () => restartNats() : undefined,
      cleanup: () => deleteStream(config.stream),
    };
  });

  describe('specifics', () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function started(overrides: Partial<NatsQueueConfig> = {}) {
      const config = testConfig(overrides);
      const provider = await createProvider(config);
      cleanups.push(() => deleteStream(config.stream));
      cleanups.push(() => provider.stop());
      await provider.start();
      return { provider, config };
    }

    it('creates a file-backed stream capturing the configured subjects', async () => {
      const { config } = await started();
      const nc = await connect({ servers: serviceUrls.nats });
      try {
        const info = await (await jetstreamManager(nc)).streams.info(config.stream);
        expect(info.config.storage).toBe(StorageType.File);
        expect(info.config.subjects).toEqual([`${config.subjectPrefix}deploydb.>`]);
        expect(info.config.max_msgs).toBe(1_000_000);
      } finally {
        await nc.close();
      }
    });

    it('adds missing subjects to an existing stream and aligns its limits, keeping its other subjects', async () => {
      const config = testConfig();
      const nc = await connect({ servers: serviceUrls.nats });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.add({ name: config.stream, subjects: [`${config.subjectPrefix}other.>`], storage: StorageType.File });
        cleanups.push(() => deleteStream(config.stream));
        const provider = await createProvider(config);
        cleanups.push(() => provider.stop());
        await provider.start();
        const info = await jsm.streams.info(config.stream);
        expect(info.config.subjects).toEqual([`${config.subjectPrefix}other.>`, `${config.subjectPrefix}deploydb.>`]);
        expect(info.config.max_msgs).toBe(1_000_000);
      } finally {
        await nc.close();
      }
    });

    it('publishes on the subject of the type with Nats-Msg-Id = event id, and stores a duplicate once', async () => {
      const { provider, config } = await started();
      const id = randomUUID();
      const event = { specversion: '1.0', id, source: 'deploydb', type: 'deploydb.deployment.created', data: { n: 1 } };
      await provider.publish('deploydb.deployment.created', event, { id, key: 'deployment-1' });
      await provider.publish('deploydb.deployment.created', event, { id, key: 'deployment-1' });

      const nc = await connect({ servers: serviceUrls.nats });
      try {
        const jsm = await jetstreamManager(nc);
        const info = await jsm.streams.info(config.stream);
        expect(info.state.messages).toBe(1);
        const stored = await jsm.streams.getMessage(config.stream, { seq: info.state.first_seq });
        expect(stored).not.toBeNull();
        expect(stored!.subject).toBe(`${config.subjectPrefix}deploydb.deployment.created`);
        expect(stored!.header.get('Nats-Msg-Id')).toBe(id);
        expect(stored!.header.get(KEY_HEADER)).toBe('deployment-1');
        expect(stored!.json()).toEqual(event);
      } finally {
        await nc.close();
      }
    });

    it('refuses a type the stream does not capture, and malformed types', async () => {
      const { provider } = await started();
      await expect(provider.publish('other.thing', {}, { id: randomUUID() })).rejects.toThrow(/not captured by stream/);
      await expect(provider.publish('deploydb.*', {}, { id: randomUUID() })).rejects.toThrow(/invalid event type/);
      await expect(provider.subscribe('deploydb.>.x', { group: 'g' }, async () => {})).rejects.toThrow(/invalid subject pattern/);
    });

    describe('one installation per stream', () => {
      const A = '3f2a9c1b-0d12-4e5f-8a6b-7c8d9e0f1a2b';
      const B = 'b0b0b0b0-1111-4222-8333-444455556666';

      async function streamInfo(stream: string) {
        const nc = await connect({ servers: serviceUrls.nats });
        try {
          return await (await jetstreamManager(nc)).streams.info(stream);
        } finally {
          await nc.close();
        }
      }

      async function startedAs(installationId: string | undefined, config: NamedConfig) {
        const provider = await createProvider(config, installationId);
        cleanups.push(() => provider.stop());
        await provider.start();
        return provider;
      }

      it('claims a configured stream for its installation, which another installation may then not use', async () => {
        const config = testConfig();
        cleanups.push(() => deleteStream(config.stream));
        const owner = await startedAs(A, config);
        expect((await streamInfo(config.stream)).config.description).toBe(`DeployDB events of DeployDB installation ${A}`);
        expect(await owner.health()).toEqual({ status: 'ok', detail: `stream ${config.stream}, subjects ${config.subjectPrefix}deploydb.>` });

        const intruder = await createProvider(config, B);
        await expect(intruder.start()).rejects.toThrow(`stream ${config.stream} belongs to DeployDB installation ${A}, not to this one (${B})`);
        expect((await intruder.health()).status).toBe('down');
        // The owner itself starts again on it.
        await owner.stop();
        await startedAs(A, config);
      });

      it('claims an existing stream that no installation owns, keeping its description', async () => {
        const config = testConfig();
        const nc = await connect({ servers: serviceUrls.nats });
        try {
          await (await jetstreamManager(nc)).streams.add({ name: config.stream, subjects: [`${config.subjectPrefix}deploydb.>`], description: 'events of the shop' });
        } finally {
          await nc.close();
        }
        cleanups.push(() => deleteStream(config.stream));
        await startedAs(A, config);
        expect((await streamInfo(config.stream)).config.description).toBe(`events of the shop (DeployDB installation ${A})`);
      });

      it('names a subscription group after the installation, taking over the position of the group as it was named before', async () => {
        const config = testConfig();
        cleanups.push(() => deleteStream(config.stream));
        const publish = async (provider: { publish: (type: string, event: Record<string, unknown>, options: { id: string }) => Promise<void> }, n: number) => {
          const id = randomUUID();
          await provider.publish('deploydb.deployment.created', { id, n }, { id });
          return id;
        };
        // Before: no installation, consumers named after group and pattern only.
        const before = await createProvider(config);
        await before.start();
        const handled: number[] = [];
        const subscription = await before.subscribe('deploydb.>', { group: 'webhooks' }, async (message) => {
          handled.push(message.event.n as number);
        });
        for (const n of [1, 2, 3]) await publish(before, n);
        const deadline = Date.now() + 5000;
        while (handled.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        expect(handled).toEqual([1, 2, 3]);
        await subscription.close();
        for (const n of [4, 5]) await publish(before, n);
        await before.stop();

        // After: the group continues with what its old consumer had not taken.
        const after = await startedAs(A, config);
        const seen: number[] = [];
        await after.subscribe('deploydb.>', { group: 'webhooks' }, async (message) => {
          seen.push(message.event.n as number);
        });
        const until = Date.now() + 5000;
        while (seen.length < 2 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(seen).toEqual([4, 5]);
        const nc = await connect({ servers: serviceUrls.nats });
        try {
          const names: string[] = [];
          for await (const consumer of (await jetstreamManager(nc)).consumers.list(config.stream)) names.push(consumer.name);
          expect(names).toHaveLength(1);
          expect(names[0]).toMatch(/^webhooks_t[0-9a-f]{8}_deploydb_all_3f2a9c1b0d12_[0-9a-f]{10}$/);
        } finally {
          await nc.close();
        }
      });

      it('names the stream that already captures the subjects a configured stream needs', async () => {
        const owned = testConfig();
        cleanups.push(() => deleteStream(owned.stream));
        await startedAs(A, owned);
        const clash = testConfig({ subjectPrefix: owned.subjectPrefix });
        cleanups.push(() => deleteStream(clash.stream));
        const provider = await createProvider(clash, B);
        await expect(provider.start()).rejects.toThrow(
          `stream ${clash.stream} cannot capture ${owned.subjectPrefix}deploydb.>: stream ${owned.stream} of DeployDB installation ${A} already does`,
        );
      });
    });

    it.runIf(canRestartNats(serviceUrls.nats))('reports health down while NATS is away', async () => {
      const { provider } = await started();
      expect((await provider.health()).status).toBe('ok');
      await restartNats(async () => {
        const deadline = Date.now() + 5000;
        while ((await provider.health()).status === 'ok' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(await provider.health()).toMatchObject({ status: 'down' });
      });
      const deadline = Date.now() + 15_000;
      while ((await provider.health()).status !== 'ok' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await provider.health()).status).toBe('ok');
    }, 30_000);

    it.runIf(canRestartNats(serviceUrls.nats))('stops in bounded time while NATS is away', async () => {
      const { provider } = await started();
      await provider.subscribe('deploydb.>', { group: 'g' }, async () => {});
      await restartNats(async () => {
        const begun = Date.now();
        await provider.stop();
        expect(Date.now() - begun).toBeLessThan(12_000);
        expect((await provider.health()).status).toBe('down');
      });
    }, 30_000);
  });
});
