import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSubscriberPlugin, type CloudEvent } from '@deploydb/core';
import { startTestKernel, type TestKernel, type TestKernelOptions } from '@deploydb/core/testing';
import natsQueue from '../plugins/queue-nats/src/index.js';
import redisQueue from '../plugins/queue-redis/src/index.js';
import { databaseModes, type DatabaseMode } from './support/fixtures.js';
import { deleteNatsStream, deleteRedisKeys, natsBusConfig, queueYaml, redisBusConfig, uniqueTag } from './support/busReaders.js';
import { brokerAvailable, ensureBrokerRunning, lockBroker, type Broker, type Release } from './support/busServers.js';

const CONFIG = `
plugins:
  - package: "test-subscriber"
environments: { dev: {}, prod: {} }
pipelines:
  main: { environments: [dev, prod] }
services:
  shop: { name: Shop, artifacts: ["com.acme:shop"], pipelines: [main] }
`;

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Where the subscriber's events come from: the embedded queue on each database, and each broker. */
interface BusCase {
  name: string;
  database: DatabaseMode;
  broker: Broker | null;
  /** The `queue:` section and its plugin, and what to remove afterwards. */
  queue(): { yaml: string; plugins: NonNullable<TestKernelOptions['plugins']>; cleanup(): Promise<void> };
}

const databases = await databaseModes();
const embedded = (database: DatabaseMode): BusCase => ({
  name: `the embedded queue, ${database} database`,
  database,
  broker: null,
  queue: () => ({ yaml: '', plugins: {}, cleanup: async () => undefined }),
});
/** A broker's case, on the last database mode, when the broker answers. */
const onBroker = async (broker: Broker, name: string, queue: BusCase['queue']): Promise<BusCase[]> =>
  (await brokerAvailable(broker)) ? [{ name, database: databases.at(-1)!, broker, queue }] : [];
const cases: BusCase[] = [
  ...databases.map(embedded),
  ...(await onBroker('nats', 'NATS JetStream', () => {
    const config = natsBusConfig(uniqueTag());
    return { yaml: queueYaml('@deploydb/queue-nats', config), plugins: { '@deploydb/queue-nats': natsQueue }, cleanup: () => deleteNatsStream(config.stream) };
  })),
  ...(await onBroker('redis', 'Redis Streams', () => {
    const tag = uniqueTag();
    return { yaml: queueYaml('@deploydb/queue-redis', redisBusConfig(tag)), plugins: { '@deploydb/queue-redis': redisQueue }, cleanup: () => deleteRedisKeys(tag) };
  })),
];

describe.each(cases)('subscriber plugins over $name', (bus) => {
  const prod: Array<{ type: string; deliveryCount: number }> = [];
  const artifacts: string[] = [];
  const failing = new Map<string, number>();
  let failNext = false;
  let t: TestKernel;
  let release: Release | undefined;
  let queue: ReturnType<BusCase['queue']> | undefined;

  beforeAll(async () => {
    const subscriber = defineSubscriberPlugin({
      id: 'test-subscriber',
      create: () => ({
        subscribe: [
          {
            events: ['deployment.*'],
            environments: ['prod'],
            handle: (event: CloudEvent, delivery) => {
              if (failNext) {
                failNext = false;
                failing.set(event.id, delivery.deliveryCount);
                throw new Error('the chat is down');
              }
              prod.push({ type: event.type, deliveryCount: delivery.deliveryCount });
            },
          },
          { events: ['artifact.created'], handle: (event) => void artifacts.push((event.data as { version: string }).version) },
        ],
      }),
    });
    if (bus.broker) {
      release = await lockBroker(bus.broker, 'shared');
      await ensureBrokerRunning(bus.broker);
    }
    queue = bus.queue();
    t = await startTestKernel({ config: `${queue.yaml}${CONFIG}`, database: bus.database, plugins: { 'test-subscriber': subscriber, ...queue.plugins } });
  }, 120_000);
  afterAll(async () => {
    try {
      await t?.destroy();
      await queue?.cleanup();
    } finally {
      release?.();
    }
  });

  const register = (version: string) => t.request('POST', '/api/artifacts', { group: 'com.acme', name: 'shop', version, sourceUrl: 'https://git.acme.test/shop' });
  const recordInProd = (version: string) =>
    t.request('POST', '/api/deployments', { service: 'shop', environment: 'prod', artifact: { group: 'com.acme', name: 'shop', version }, kind: 'hotfix', status: 'COMPLETED' });

  it('gets the events its patterns name, only in the environments it lists', async () => {
    expect((await register('1.0.0')).status).toBe(201);
    await until(() => artifacts.includes('1.0.0'), 'artifact.created');
    // The registration made a deployment in dev: not for this subscription.
    expect(prod).toEqual([]);
    expect((await recordInProd('1.0.0')).status).toBe(201);
    await until(() => prod.length >= 2, 'the prod deployment events');
    expect(prod.map((e) => e.type)).toEqual(['deploydb.deployment.created', 'deploydb.deployment.completed']);
  });

  it('gets an event again when its handler throws, and shows the failure in /health meanwhile', async () => {
    prod.length = 0;
    failNext = true;
    expect((await register('1.0.1')).status).toBe(201);
    expect((await recordInProd('1.0.1')).status).toBe(201);
    await until(() => failing.size === 1, 'the failing delivery');
    const health = await t.request('GET', '/health');
    expect(health.body.checks['test-subscriber']).toMatchObject({ status: 'degraded', detail: expect.stringContaining('the chat is down') });
    await until(() => prod.some((e) => e.type === 'deploydb.deployment.created'), 'the event delivered again');
    const again = prod.find((e) => e.type === 'deploydb.deployment.created')!;
    expect(again.deliveryCount).toBeGreaterThan(1);
    await until(() => prod.length >= 2, 'the completion');
    expect((await t.request('GET', '/health')).body.checks['test-subscriber'].status).toBe('ok');
  });
});
