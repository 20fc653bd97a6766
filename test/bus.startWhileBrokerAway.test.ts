/**
 * A queue provider started while its Redis is away (restarting, as instances of one installation
 * may start during a broker restart) waits for it, a bounded time, instead of failing the start:
 * once Redis is back the start completes, and events flow. On a Redis server of the test's own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger, QueueMessage, QueueProvider } from '@deploydb/core';
import Value from 'typebox/value';
import redisQueue, { redisQueueConfigSchema, type RedisQueueConfig } from '../plugins/queue-redis/src/index.js';
import { privateBrokerAvailable, startPrivateBroker, type PrivateBroker } from './support/privateBrokers.js';

const silent: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

describe.runIf(privateBrokerAvailable('redis'))('a Redis queue started while Redis is away', () => {
  let broker: PrivateBroker;
  let provider: QueueProvider | undefined;
  beforeAll(async () => {
    broker = await startPrivateBroker('redis');
  });
  afterAll(async () => {
    await provider?.stop();
    await broker?.stop();
  });

  it('completes its start once Redis is back, and then publishes and delivers', async () => {
    const tag = randomUUID().slice(0, 8);
    provider = await redisQueue.create({
      config: Value.Default(redisQueueConfigSchema, { url: broker.url, stream: `away-${tag}:events`, triggerStream: `away-${tag}:triggers`, blockMs: 200, retryDelay: 0.2 }) as RedisQueueConfig,
      logger: silent,
      clock: { now: () => new Date() },
      configDir: process.cwd(),
      installationId: randomUUID(),
      deps: {},
    });
    let starting: Promise<string> | undefined;
    await broker.restart(async () => {
      starting = provider!.start().then(
        () => 'started',
        (error: unknown) => `failed: ${String(error)}`,
      );
      // Away for longer than a client's first attempts: the start neither fails nor completes meanwhile.
      const early = await Promise.race([starting, new Promise((resolve) => setTimeout(() => resolve('waiting'), 2000))]);
      expect(early).toBe('waiting');
    });
    expect(await starting).toBe('started');
    expect((await provider.health()).status).toBe('ok');

    const received: QueueMessage[] = [];
    await provider.subscribe('deploydb.>', { group: 'after-start' }, async (message) => {
      received.push(message);
    });
    const id = randomUUID();
    await provider.publish('deploydb.artifact.created', { id }, { id });
    const deadline = Date.now() + 10_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.map((m) => m.id)).toEqual([id]);
  }, 60_000);
});
