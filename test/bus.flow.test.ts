/**
 * The events of a full flow, read off the bus with each queue provider (CONTRACT §5), and a
 * trigger sent over the bus (CONTRACT §6). The bus is read independently of DeployDB: a NATS
 * client of our own, ioredis, or a consumer group of our own on the embedded queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import manual from '../plugins/promotion-manual/src/index.js';
import natsQueue from '../plugins/queue-nats/src/index.js';
import redisQueue from '../plugins/queue-redis/src/index.js';
import { LEDGER_CONFIG, databaseModes, startLedger } from './support/fixtures.js';
import { ledgerClient, outboxEvents } from './support/client.js';
import { brokerAvailable, ensureBrokerRunning, lockBroker, type Broker, type Release } from './support/busServers.js';
import {
  TRIGGER_PREFIX,
  deleteNatsStream,
  deleteRedisKeys,
  destroyWithin,
  eventually,
  expectBusMatchesOutbox,
  expectEnvelope,
  natsBusConfig,
  natsBusEvents,
  outboxRows,
  publishNats,
  queueYaml,
  readNatsStream,
  recordQueue,
  redisBusConfig,
  redisBusEvents,
  triggerEvent,
  typesByDeployment,
  uniqueTag,
  withRedis,
  type BusMessage,
} from './support/busReaders.js';

/** What a provider's case needs: how to start DeployDB on it, read its bus and send a trigger. */
interface ProviderCase {
  name: string;
  broker: Broker | null;
  available: () => Promise<boolean>;
  /** Starts the kernel; returns how to read the bus and send a trigger, and how to clean up. */
  start(): Promise<{
    t: TestKernel;
    read(): Promise<BusMessage[]>;
    /** Checks what only this provider carries (message ids, subjects, fields). */
    checkCarrier(message: BusMessage): void;
    sendTrigger(event: ReturnType<typeof triggerEvent>): Promise<void>;
    /** The subjects under which the bus keeps a trigger, where the bus keeps triggers with events. */
    triggerSubjects?(id: string): Promise<string[]>;
    cleanup(): Promise<void>;
  }>;
}

const brokerDatabase = (await databaseModes()).at(-1)!;

const providers: ProviderCase[] = [
  {
    name: 'the embedded queue',
    broker: null,
    available: async () => true,
    async start() {
      const t = await startLedger('embedded');
      // Subscribed before anything is registered: the group gets every event.
      const recorder = await recordQueue(t.kernel.queue, 'test-reader');
      return {
        t,
        read: async () => recorder.messages.filter((m) => !m.type.startsWith(TRIGGER_PREFIX)),
        checkCarrier(message) {
          expect(message.messageId).toBe(message.event.id);
          expect(message.type).toBe(message.event.type);
        },
        sendTrigger: (event) => t.kernel.queue.publish(event.type, event, { id: event.id }),
        async cleanup() {
          await recorder.close();
          await destroyWithin(t);
        },
      };
    },
  },
  {
    name: 'NATS JetStream',
    broker: 'nats',
    available: () => brokerAvailable('nats'),
    async start() {
      const config = natsBusConfig(uniqueTag());
      const t = await startLedger(brokerDatabase, {
        config: `${queueYaml('@deploydb/queue-nats', config)}${LEDGER_CONFIG}`,
        plugins: { '@deploydb/promotion-manual': manual, '@deploydb/queue-nats': natsQueue },
      });
      return {
        t,
        read: () => natsBusEvents(config),
        checkCarrier(message) {
          // Subject = the type (after the installation's prefix); Nats-Msg-Id = the event id.
          expect((message.raw as { subject: string }).subject).toBe(`${config.subjectPrefix}${message.event.type}`);
          expect(message.type).toBe(message.event.type);
          expect(message.messageId).toBe(message.event.id);
        },
        // The trigger subjects are on the same stream, with the same prefix in front.
        sendTrigger: (event) => publishNats(`${config.subjectPrefix}${event.type}`, event, event.id),
        triggerSubjects: async (id) => (await readNatsStream(config.stream)).filter((m) => m.headers['Nats-Msg-Id'] === id).map((m) => m.subject),
        async cleanup() {
          try {
            await destroyWithin(t);
          } finally {
            await deleteNatsStream(config.stream);
          }
        },
      };
    },
  },
  {
    name: 'Redis Streams',
    broker: 'redis',
    available: () => brokerAvailable('redis'),
    async start() {
      const tag = uniqueTag();
      const config = redisBusConfig(tag);
      const t = await startLedger(brokerDatabase, {
        config: `${queueYaml('@deploydb/queue-redis', config)}${LEDGER_CONFIG}`,
        plugins: { '@deploydb/promotion-manual': manual, '@deploydb/queue-redis': redisQueue },
      });
      return {
        t,
        read: () => redisBusEvents(config),
        checkCarrier(message) {
          // Fields `type` and `event` (checked while reading), and `id` = the event id.
          expect(message.type).toBe(message.event.type);
          expect(message.messageId).toBe(message.event.id);
        },
        sendTrigger: (event) =>
          withRedis(async (redis) => {
            await redis.xadd(config.triggerStream, '*', 'type', event.type, 'event', JSON.stringify(event), 'id', event.id);
          }),
        async cleanup() {
          try {
            await destroyWithin(t);
          } finally {
            await deleteRedisKeys(tag);
          }
        },
      };
    },
  },
];

for (const provider of providers) {
  describe.runIf(await provider.available())(`events on the bus: ${provider.name}`, () => {
    let release: Release | undefined;
    let running: Awaited<ReturnType<ProviderCase['start']>> | undefined;
    let api: ReturnType<typeof ledgerClient>;

    beforeAll(async () => {
      if (provider.broker) {
        release = await lockBroker(provider.broker, 'shared');
        await ensureBrokerRunning(provider.broker);
      }
      running = await provider.start();
      api = ledgerClient(running.t);
    }, 180_000);
    afterAll(async () => {
      try {
        await running?.cleanup();
      } finally {
        release?.();
      }
    });

    /** Waits (bounded) until every stored event is on the bus, then reads it. */
    async function busAfterOutbox(): Promise<BusMessage[]> {
      return eventually(async () => {
        const outbox = await outboxRows(running!.t);
        const bus = await running!.read();
        const onBus = new Set(bus.map((m) => m.event.id));
        const missing = outbox.filter((r) => !onBus.has(r.eventId)).map((r) => r.type);
        expect(missing, 'stored events not on the bus yet').toEqual([]);
        expect(outbox.every((r) => r.published), 'outbox rows marked published').toBe(true);
        return bus;
      }, 20_000);
    }

    it('carries every event of a flow from dev to prod, with approvals: envelope, subjects, order, once by id', async () => {
      const registered = await api.register('com.acme:foas');
      const flowId: number = registered.flows[0].id;
      const dev = registered.flows[0].deployments[0];
      await api.report(dev.id, 'STARTED');
      expect((await api.report(dev.id, 'COMPLETED')).status).toBe('VERIFIED');
      const integ = (await api.flow(flowId)).deployments[1];
      expect((await api.report(integ.id, 'COMPLETED')).status).toBe('VERIFIED');
      const preprod = (await api.flow(flowId)).deployments[2];
      await api.report(preprod.id, 'COMPLETED');
      await api.approve('alice', preprod.id, 'pair-review');
      await api.approve('bob', preprod.id, 'pair-review');
      const prod = (await api.flow(flowId)).deployments[3];
      await api.report(prod.id, 'COMPLETED');
      await api.approve('carol', prod.id, 'go-live');
      expect((await api.flow(flowId)).status).toBe('SUCCESS');

      const bus = await busAfterOutbox();
      const outbox = await outboxRows(running!.t);
      for (const message of bus) {
        expectEnvelope(message.event);
        running!.checkCarrier(message);
      }
      expectBusMatchesOutbox(bus, outbox);
      expect(new Set(bus.map((m) => m.event.id))).toEqual(new Set((await outboxEvents(running!.t)).map((e) => e.id)));

      const events = bus.map((m) => m.event);
      expect(typesByDeployment(events)).toEqual({
        [`deployments/${dev.id}`]: ['deployment.created', 'deployment.started', 'deployment.completed', 'deployment.verified'],
        [`deployments/${integ.id}`]: ['deployment.created', 'deployment.completed', 'deployment.verified'],
        [`deployments/${preprod.id}`]: ['deployment.created', 'deployment.completed', 'promotion.completed', 'deployment.verified'],
        [`deployments/${prod.id}`]: ['deployment.created', 'deployment.completed', 'promotion.completed', 'deployment.verified'],
      });
      expect(events.filter((e) => !e.subject.startsWith('deployments/')).map((e) => [e.type, e.subject])).toEqual([
        ['deploydb.artifact.created', `artifacts/${registered.id}`],
        ['deploydb.flow.completed', `flows/${flowId}`],
      ]);

      // The data of each event is the object as the contract shapes it, at that moment.
      const byType = (type: string, subject: string) => events.find((e) => e.type === type && e.subject === subject)!;
      expect(byType('deploydb.artifact.created', `artifacts/${registered.id}`).data).toMatchObject({ id: registered.id, group: 'com.acme', name: 'foas' });
      expect(byType('deploydb.deployment.created', `deployments/${prod.id}`).data).toMatchObject({ id: prod.id, flowId, environment: 'prod', status: 'CREATED' });
      const approval = events.find((e) => e.type === 'deploydb.promotion.completed' && e.data.deployment.id === preprod.id)!;
      expect(approval.subject).toBe(`deployments/${preprod.id}/promotions/${approval.data.promotionResult.id}`);
      expect(approval.data.promotionResult).toMatchObject({ promotion: 'pair-review', status: 'SUCCESS', actor: 'bob' });
      expect(byType('deploydb.flow.completed', `flows/${flowId}`).data).toMatchObject({ id: flowId, status: 'SUCCESS' });
      expect(byType('deploydb.flow.completed', `flows/${flowId}`).data.deployments.map((d: any) => d.status)).toEqual(['VERIFIED', 'VERIFIED', 'VERIFIED', 'VERIFIED']);
    });

    it('applies a trigger sent over the bus, and the change it makes reaches the bus', async () => {
      const registered = await api.register('com.acme:foas');
      const dev = registered.flows[0].deployments[0];
      const trigger = triggerEvent('deployment.completed', {
        service: 'faas',
        environment: 'dev',
        artifact: { group: registered.group, name: registered.name, version: registered.version },
      });
      await running!.sendTrigger(trigger);
      await eventually(async () => expect((await api.deployment(dev.id)).status).toBe('VERIFIED'), 20_000);
      const flow = await api.flow(registered.flows[0].id);
      expect(flow.deployments.map((d: any) => [d.environment, d.status])).toEqual([
        ['dev', 'VERIFIED'],
        ['integ', 'CREATED'],
      ]);

      const bus = await busAfterOutbox();
      expectBusMatchesOutbox(bus, await outboxRows(running!.t));
      expect(typesByDeployment(bus.map((m) => m.event))[`deployments/${dev.id}`]).toEqual([
        'deployment.created',
        'deployment.completed',
        'deployment.verified',
      ]);
      if (running!.triggerSubjects) {
        // The trigger itself stays on the stream, under its own subject (with the prefix).
        expect(await running!.triggerSubjects(trigger.id)).toEqual([`${natsPrefixOf(running!.t)}deploydb.trigger.deployment.completed`]);
      }
    });
  });
}

/** The subject prefix the kernel's queue-nats runs with. */
function natsPrefixOf(t: TestKernel): string {
  return (t.kernel.config.queue?.config as { subjectPrefix?: string } | undefined)?.subjectPrefix ?? '';
}
