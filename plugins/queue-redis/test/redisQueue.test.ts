import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import Value from 'typebox/value';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger, QueueMessage } from '@deploydb/core';
import { REDIS, queueProviderContract, serviceUrls, servicesAvailable } from '@deploydb/core/testing';
import plugin, { dedupeKey, groupName, ownerKey, redisQueueConfigSchema, type RedisQueueConfig } from '../src/index.js';
import { canRestartRedis, ensureRedisRunning, restartRedis } from './redisServer.js';

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/** A configuration whose streams are written in it. */
type NamedConfig = RedisQueueConfig & { stream: string; triggerStream: string };

/** A configuration of its own for one test: unique stream names, short timings. */
function testConfig(overrides: Partial<RedisQueueConfig> = {}): NamedConfig & { prefix: string } {
  const prefix = `deploydb-qtest:${randomUUID().slice(0, 8)}`;
  const config = Value.Default(redisQueueConfigSchema, {
    url: serviceUrls.redis,
    stream: `${prefix}:events`,
    triggerStream: `${prefix}:triggers`,
    claimIdle: 1,
    blockMs: 500,
    retryDelay: 0.2,
    ...overrides,
  }) as NamedConfig;
  return Object.assign(config, { prefix });
}

function createProvider(config: RedisQueueConfig, installationId?: string) {
  return plugin.create({ config, logger: silent, clock: { now: () => new Date() }, configDir: process.cwd(), installationId, deps: {} });
}

/** Deletes every key a test made under its prefix. */
async function deleteKeys(admin: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function fieldsOf(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

describe('queue-redis config', () => {
  it('fills in the documented defaults', () => {
    const config = Value.Default(redisQueueConfigSchema, {});
    // The streams have defaults too (deploydb:events, deploydb:triggers), applied by the provider:
    // whether they were written decides what a clash with another installation does.
    expect(config).toEqual({
      url: 'redis://127.0.0.1:6379',
      claimIdle: 30,
      blockMs: 2000,
      maxLen: 1_000_000,
      retryDelay: 1,
      duplicateWindow: 120,
      concurrency: 10,
    });
    expect(Value.Check(redisQueueConfigSchema, config)).toBe(true);
  });

  it('refuses unknown keys and impossible values', () => {
    const defaults = Value.Default(redisQueueConfigSchema, {}) as RedisQueueConfig;
    expect(Value.Check(redisQueueConfigSchema, { ...defaults, host: 'x' })).toBe(false);
    expect(Value.Check(redisQueueConfigSchema, { ...defaults, claimIdle: 0 })).toBe(false);
    expect(Value.Check(redisQueueConfigSchema, { ...defaults, maxLen: -1 })).toBe(false);
  });

  it('is a queue plugin named after its package', () => {
    expect(plugin.kind).toBe('queue');
    expect(plugin.id).toBe('@deploydb/queue-redis');
    expect(plugin.$$type).toBe('@deploydb/plugin');
  });
});

describe.runIf(await servicesAvailable(REDIS))('queue-redis against Redis', () => {
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(serviceUrls.redis, { maxRetriesPerRequest: null });
    admin.on('error', () => undefined);
  });
  afterAll(async () => {
    admin.disconnect();
    if (canRestartRedis(serviceUrls.redis)) await ensureRedisRunning();
  });

  queueProviderContract('queue-redis', async () => {
    const config = testConfig();
    return {
      provider: await createProvider(config),
      restartServer: canRestartRedis(serviceUrls.redis) ? () => restartRedis() : undefined,
      cleanup: () => deleteKeys(admin, config.prefix),
    };
  });

  describe('specifics', () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function started(overrides: Partial<RedisQueueConfig> = {}) {
      const config = testConfig(overrides);
      const provider = await createProvider(config);
      cleanups.push(() => deleteKeys(admin, config.prefix));
      cleanups.push(() => provider.stop());
      await provider.start();
      return { provider, config };
    }

    it('stores fields type, event and id on the events stream, and a duplicate id once', async () => {
      const { provider, config } = await started();
      const id = randomUUID();
      const event = { specversion: '1.0', id, source: 'deploydb', type: 'deploydb.deployment.created', data: { n: 1 } };
      await provider.publish('deploydb.deployment.created', event, { id, key: 'deployment-1' });
      await provider.publish('deploydb.deployment.created', event, { id, key: 'deployment-1' });

      const entries = await admin.xrange(config.stream, '-', '+');
      expect(entries).toHaveLength(1);
      const fields = fieldsOf(entries[0][1]);
      expect(fields.type).toBe('deploydb.deployment.created');
      expect(JSON.parse(fields.event)).toEqual(event);
      expect(fields.id).toBe(id);
      expect(fields.key).toBe('deployment-1');
      expect(await admin.get(dedupeKey(config.stream, id))).toBe(entries[0][0]);
      expect(await admin.pttl(dedupeKey(config.stream, id))).toBeGreaterThan(100_000);
      expect(await admin.exists(config.triggerStream)).toBe(0);
    });

    it('puts deploydb.trigger.* types on the trigger stream, read by trigger patterns only', async () => {
      const { provider, config } = await started();
      const triggers: QueueMessage[] = [];
      const deployments: QueueMessage[] = [];
      await provider.subscribe('deploydb.trigger.>', { group: 'triggers' }, async (m) => void triggers.push(m));
      await provider.subscribe('deploydb.deployment.*', { group: 'deployments' }, async (m) => void deployments.push(m));
      const trigger = { id: randomUUID(), type: 'deploydb.trigger.deployment.started', data: {} };
      const plain = { id: randomUUID(), type: 'deploydb.deployment.started', data: {} };
      await provider.publish(trigger.type, trigger, { id: trigger.id });
      await provider.publish(plain.type, plain, { id: plain.id });

      const onTriggers = await admin.xrange(config.triggerStream, '-', '+');
      const onEvents = await admin.xrange(config.stream, '-', '+');
      expect(onTriggers.map(([, f]) => fieldsOf(f).type)).toEqual([trigger.type]);
      expect(onEvents.map(([, f]) => fieldsOf(f).type)).toEqual([plain.type]);
      await waitUntil(() => triggers.length === 1 && deployments.length === 1, 5000, 'both subscriptions');
      expect(triggers[0].id).toBe(trigger.id);
      expect(deployments[0].id).toBe(plain.id);
      // A subscription that cannot match triggers has no group on the trigger stream.
      const groups = (await admin.call('XINFO', 'GROUPS', config.triggerStream)) as unknown[][];
      expect(groups.map((g) => g[1])).toEqual([groupName('triggers', 'deploydb.trigger.>')]);
    });

    it("claims a dead consumer's pending message after claimIdle", async () => {
      const { provider, config } = await started({ claimIdle: 1 });
      const group = groupName('workers', 'deploydb.>');
      const event = { id: randomUUID(), type: 'deploydb.deployment.created', data: {} };
      await provider.publish(event.type, event, { id: event.id });
      // A consumer reads the entry and dies without acknowledging it.
      await admin.call('XGROUP', 'CREATE', config.stream, group, '0', 'MKSTREAM');
      await admin.call('XREADGROUP', 'GROUP', group, 'dead-consumer', 'COUNT', 10, 'STREAMS', config.stream, '>');

      const received: QueueMessage[] = [];
      const startedAt = Date.now();
      await provider.subscribe('deploydb.>', { group: 'workers' }, async (m) => void received.push(m));
      await waitUntil(() => received.length === 1, 5000, 'the claimed message');
      expect(received[0].id).toBe(event.id);
      expect(received[0].deliveryCount).toBe(2);
      expect(Date.now() - startedAt).toBeLessThan(4000);
      await waitUntil(async () => Number(((await admin.call('XPENDING', config.stream, group)) as unknown[])[0]) === 0, 2000, 'the ack');
    });

    it('keeps a long-running handler’s message from being claimed by another consumer', async () => {
      const { provider } = await started({ claimIdle: 0.5 });
      const deliveries: string[] = [];
      const slow = async (m: QueueMessage) => {
        deliveries.push(m.id);
        await new Promise((resolve) => setTimeout(resolve, 2000));
      };
      await provider.subscribe('deploydb.>', { group: 'slow' }, slow);
      await provider.subscribe('deploydb.>', { group: 'slow' }, slow);
      const event = { id: randomUUID(), type: 'deploydb.deployment.created', data: {} };
      await provider.publish(event.type, event, { id: event.id });
      await waitUntil(() => deliveries.length >= 1, 5000, 'the delivery');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(deliveries).toEqual([event.id]);
    }, 15_000);

    describe('one installation per stream', () => {
      const A = '3f2a9c1b-0d12-4e5f-8a6b-7c8d9e0f1a2b';
      const B = 'b0b0b0b0-1111-4222-8333-444455556666';

      async function startedAs(installationId: string | undefined, config: NamedConfig & { prefix: string }) {
        const provider = await createProvider(config, installationId);
        cleanups.push(() => provider.stop());
        await provider.start();
        return provider;
      }

      it('claims configured streams for its installation, which another installation may then not use', async () => {
        const config = testConfig();
        cleanups.push(() => deleteKeys(admin, config.prefix));
        const owner = await startedAs(A, config);
        expect(await admin.get(ownerKey(config.stream))).toBe(A);
        expect(await admin.get(ownerKey(config.triggerStream))).toBe(A);
        expect(await owner.health()).toEqual({ status: 'ok', detail: `streams ${config.stream} and ${config.triggerStream}` });

        const intruder = await createProvider(config, B);
        await expect(intruder.start()).rejects.toThrow(`Redis stream ${config.stream} belongs to DeployDB installation ${A}, not to this one (${B})`);
        // Nothing was claimed by the refused start, not even a stream of the two nobody owned.
        const other = testConfig({ stream: config.stream });
        cleanups.push(() => deleteKeys(admin, other.prefix));
        await expect((await createProvider(other, B)).start()).rejects.toThrow(`belongs to DeployDB installation ${A}`);
        expect(await admin.exists(ownerKey(other.triggerStream))).toBe(0);
        await owner.stop();
        await startedAs(A, config);
      });

      it('claims an existing stream that no installation owns', async () => {
        const config = testConfig();
        cleanups.push(() => deleteKeys(admin, config.prefix));
        await admin.xadd(config.stream, '*', 'type', 'deploydb.deployment.created', 'event', '{}', 'id', randomUUID());
        await startedAs(A, config);
        expect(await admin.get(ownerKey(config.stream))).toBe(A);
      });

      it('names a subscription group after the installation, taking over the position of the group as it was named before', async () => {
        const config = testConfig();
        cleanups.push(() => deleteKeys(admin, config.prefix));
        const publish = async (provider: { publish: (type: string, event: Record<string, unknown>, options: { id: string }) => Promise<void> }, n: number) => {
          const id = randomUUID();
          await provider.publish('deploydb.deployment.created', { id, n }, { id });
        };
        // Before: no installation, groups named after group and pattern only. The third message's
        // handler fails, so it is still pending when the process goes.
        const before = await createProvider(config);
        await before.start();
        const handled: number[] = [];
        await before.subscribe('deploydb.>', { group: 'webhooks' }, async (message) => {
          handled.push(message.event.n as number);
          if (message.event.n === 3) throw new Error('not now');
        });
        for (const n of [1, 2, 3]) await publish(before, n);
        await waitUntil(() => handled.length >= 3, 5000, 'three deliveries');
        await before.stop();
        await publish(await startedPublisher(config), 4);

        const after = await startedAs(A, config);
        const seen: number[] = [];
        await after.subscribe('deploydb.>', { group: 'webhooks' }, async (message) => {
          seen.push(message.event.n as number);
        });
        await waitUntil(() => seen.length >= 2, 5000, 'the pending and the new message');
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(seen).toEqual([3, 4]);
        const groups = ((await admin.call('XINFO', 'GROUPS', config.stream)) as unknown[][]).map((g) => String(g[g.indexOf('name') + 1]));
        expect(groups).toEqual([groupName('webhooks', 'deploydb.>', A)]);
        expect(groups[0]).toBe('webhooks@3f2a9c1b0d12:deploydb.>');
      });

      /** A provider without installation, started, for publishing only. */
      async function startedPublisher(config: NamedConfig & { prefix: string }) {
        const provider = await createProvider(config);
        cleanups.push(() => provider.stop());
        await provider.start();
        return provider;
      }
    });

    it.runIf(canRestartRedis(serviceUrls.redis))('reports health down and refuses publishes while Redis is away', async () => {
      const { provider } = await started();
      expect((await provider.health()).status).toBe('ok');
      await restartRedis(async () => {
        await waitUntil(async () => (await provider.health()).status === 'down', 5000, 'health down');
        await expect(provider.publish('deploydb.deployment.created', {}, { id: randomUUID() })).rejects.toThrow();
      });
      await waitUntil(async () => (await provider.health()).status === 'ok', 15_000, 'health ok again');
    }, 30_000);

    it.runIf(canRestartRedis(serviceUrls.redis))('stops in bounded time while Redis is away', async () => {
      const { provider } = await started();
      await provider.subscribe('deploydb.>', { group: 'g' }, async () => {});
      await restartRedis(async () => {
        const begun = Date.now();
        await provider.stop();
        expect(Date.now() - begun).toBeLessThan(8000);
        expect((await provider.health()).status).toBe('down');
      });
    }, 30_000);
  });
});
