/**
 * The broker goes down while flows run (CONTRACT §5 "no event is lost"): DeployDB keeps
 * answering, keeps the events in its outbox, reports the queue down in /health, and once the
 * broker is back every stored event reaches the bus exactly once, one deployment's in order.
 *
 * These tests stop the local nats-server / redis-server and always start it again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import manual from '../plugins/promotion-manual/src/index.js';
import natsQueue from '../plugins/queue-nats/src/index.js';
import redisQueue from '../plugins/queue-redis/src/index.js';
import { LEDGER_CONFIG, startLedger } from './support/fixtures.js';
import { ledgerClient } from './support/client.js';
import { brokerAndPostgresAvailable, canRestartBroker, ensureBrokerRunning, lockBroker, withBrokerStopped, type Broker, type Release } from './support/busServers.js';
import {
  deleteNatsStream,
  deleteRedisKeys,
  destroyWithin,
  eventually,
  expectBusMatchesOutbox,
  expectEnvelope,
  natsBusConfig,
  natsBusEvents,
  outboxRows,
  queueYaml,
  redisBusConfig,
  redisBusEvents,
  uniqueTag,
  type BusMessage,
} from './support/busReaders.js';

interface OutageCase {
  broker: Broker;
  name: string;
  /** deploydb.yaml's `queue:` and the plugin. */
  setup(tag: string): { yaml: string; plugin: Record<string, unknown>; read(): Promise<BusMessage[]>; cleanup(): Promise<void> };
  /** Whether the broker keeps what it stored across the restart (the test Redis runs without persistence). */
  keepsData: boolean;
}

const cases: OutageCase[] = [
  {
    broker: 'nats',
    name: 'NATS JetStream',
    keepsData: true,
    setup(tag) {
      const config = natsBusConfig(tag);
      return {
        yaml: queueYaml('@deploydb/queue-nats', config),
        plugin: { '@deploydb/queue-nats': natsQueue },
        read: () => natsBusEvents(config),
        cleanup: () => deleteNatsStream(config.stream),
      };
    },
  },
  {
    broker: 'redis',
    name: 'Redis Streams',
    keepsData: false,
    setup(tag) {
      const config = redisBusConfig(tag);
      return {
        yaml: queueYaml('@deploydb/queue-redis', config),
        plugin: { '@deploydb/queue-redis': redisQueue },
        read: () => redisBusEvents(config),
        cleanup: () => deleteRedisKeys(tag),
      };
    },
  },
];

for (const c of cases) {
  const runs = (await brokerAndPostgresAvailable(c.broker)) && canRestartBroker(c.broker);
  describe.runIf(runs)(`${c.name} down while flows run`, () => {
    const tag = uniqueTag();
    const bus = c.setup(tag);
    let release: Release | undefined;
    let t: TestKernel | undefined;

    beforeAll(async () => {
      release = await lockBroker(c.broker, 'exclusive');
      await ensureBrokerRunning(c.broker);
      t = await startLedger('postgres', {
        config: `${bus.yaml}${LEDGER_CONFIG}`,
        plugins: { '@deploydb/promotion-manual': manual, ...(bus.plugin as Record<string, any>) },
      });
    }, 180_000);
    afterAll(async () => {
      try {
        await ensureBrokerRunning(c.broker);
        await destroyWithin(t);
      } finally {
        await bus.cleanup().catch(() => undefined);
        release?.();
      }
    }, 60_000);

    const health = async () => {
      const response = await t!.request('GET', '/health');
      return { http: response.status, status: response.body.status as string, queue: response.body.checks?.queue as { status: string; detail?: string } | undefined };
    };

    it('keeps accepting reports, holds the events, and publishes every one exactly once after the restart', async () => {
      const api = ledgerClient(t!);
      expect(await health()).toMatchObject({ http: 200, status: 'ok', queue: { status: 'ok' } });

      if (c.keepsData) {
        // Some events before the outage, already on the bus.
        const early = await api.register('com.acme:foas');
        await api.report(early.flows[0].deployments[0].id, 'COMPLETED');
        await eventually(async () => {
          const onBus = new Set((await bus.read()).map((m) => m.event.id));
          expect((await outboxRows(t!)).filter((r) => !onBus.has(r.eventId))).toEqual([]);
        }, 20_000);
      }
      const before = (await outboxRows(t!)).length;

      const flowIds: number[] = [];
      await withBrokerStopped(c.broker, async () => {
        // /health shows the queue down; per health.ts a check that is down makes the report down, answered 503.
        const down = await eventually(async () => {
          const h = await health();
          expect(h.queue?.status).toBe('down');
          return h;
        }, 15_000);
        expect(down.status).toBe('down');
        expect(down.http).toBe(503);

        // The API keeps taking work: registrations, reports, approvals all answer 2xx.
        const a = await api.register('com.acme:foas');
        const b = await api.register('com.acme:billing');
        flowIds.push(a.flows[0].id, ...b.flows.map((f: any) => f.id));
        await api.report(a.flows[0].deployments[0].id, 'STARTED');
        expect((await api.report(a.flows[0].deployments[0].id, 'COMPLETED')).status).toBe('VERIFIED');
        const integ = (await api.flow(a.flows[0].id)).deployments[1];
        expect((await api.report(integ.id, 'COMPLETED')).status).toBe('VERIFIED');
        const preprod = (await api.flow(a.flows[0].id)).deployments[2];
        await api.report(preprod.id, 'COMPLETED');
        await api.approve('alice', preprod.id, 'pair-review');
        await api.approve('bob', preprod.id, 'pair-review');
        for (const flow of b.flows) await api.report(flow.deployments[0].id, 'FAILED');

        // All of it is in the outbox, and none of it could be published.
        const during = (await outboxRows(t!)).slice(before);
        expect(during.length).toBeGreaterThanOrEqual(15);
        expect(during.filter((r) => r.published).map((r) => r.type)).toEqual([]);
        // Still nothing published a moment later: the relay retries, it does not drop or skip.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect((await outboxRows(t!)).slice(before).filter((r) => r.published)).toEqual([]);
      });

      // Back: every stored event reaches the bus, within a bounded time.
      const messages = await eventually(async () => {
        const outbox = await outboxRows(t!);
        expect(outbox.filter((r) => !r.published).map((r) => r.type), 'unpublished').toEqual([]);
        const read = await bus.read();
        const onBus = new Set(read.map((m) => m.event.id));
        expect(outbox.filter((r) => !onBus.has(r.eventId)).map((r) => r.type), 'not on the bus').toEqual([]);
        return read;
      }, 30_000, 250);
      const outbox = await outboxRows(t!);
      // The test Redis keeps nothing across a restart: what was on it before is gone with it.
      const expected = c.keepsData ? outbox : outbox.slice(before);
      for (const message of messages) {
        expectEnvelope(message.event);
        expect(message.messageId).toBe(message.event.id);
        expect(message.type).toBe(message.event.type);
      }
      expectBusMatchesOutbox(messages, expected);
      const types = messages.map((m) => m.event.type);
      expect(types.filter((type) => type === 'deploydb.flow.completed')).toHaveLength(2);
      expect(messages.filter((m) => m.event.type === 'deploydb.flow.completed').map((m) => m.event.data.id).sort()).toEqual(flowIds.slice(1).sort());

      // Health is back to ok.
      await eventually(async () => expect(await health()).toMatchObject({ http: 200, status: 'ok', queue: { status: 'ok' } }), 20_000);
    }, 90_000);
  });
}

