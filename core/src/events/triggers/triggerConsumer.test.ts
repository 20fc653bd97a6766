import { describe, expect, it } from 'vitest';
import { DeployDbError } from '../../errors.js';
import { silentLogger } from '../../testing/silentLogger.js';
import type { QueueMessage, QueueProvider } from '../../plugin-api/queue.js';
import type { Caller } from '../../plugin-api/promotion.js';
import { BUS_CALLER, TRIGGER_GROUP, TRIGGER_PATTERN, TriggerConsumer } from './triggerConsumer.js';
import type { TriggerResponse } from './triggerSchemas.js';

/** A queue that records subscriptions and lets the test deliver messages to their handler. */
function fakeQueue() {
  const subscriptions: Array<{ pattern: string; group: string; handler: (m: QueueMessage) => Promise<void>; closed: boolean }> = [];
  const queue = {
    subscribe: async (pattern: string, { group }: { group: string }, handler: (m: QueueMessage) => Promise<void>) => {
      const subscription = { pattern, group, handler, closed: false };
      subscriptions.push(subscription);
      return { close: async () => void (subscription.closed = true) };
    },
  } as unknown as QueueProvider;
  const deliver = (event: Record<string, unknown>) =>
    subscriptions[0]!.handler({ id: String(event.id), type: String(event.type), event, deliveryCount: 1 });
  return { queue, subscriptions, deliver };
}

const event = { specversion: '1.0', id: 'e-1', source: '/ci', type: 'deploydb.trigger.deployment.completed', data: {} };

describe('TriggerConsumer', () => {
  it('subscribes once to the trigger subjects in the shared group, and closes on stop', async () => {
    const { queue, subscriptions } = fakeQueue();
    const consumer = new TriggerConsumer({ queue, service: { handle: async () => ({ results: [] }) }, logger: silentLogger });
    await consumer.start();
    await consumer.start();
    expect(subscriptions.map((s) => [s.pattern, s.group])).toEqual([[TRIGGER_PATTERN, TRIGGER_GROUP]]);
    expect([TRIGGER_PATTERN, TRIGGER_GROUP]).toEqual(['deploydb.trigger.>', 'deploydb-triggers']);
    await consumer.stop();
    expect(subscriptions[0]!.closed).toBe(true);
    await consumer.stop();
  });

  it('handles each message as a one-event request by the bus caller, and acknowledges a rejection', async () => {
    const { queue, deliver } = fakeQueue();
    const calls: Array<[unknown[], Caller]> = [];
    const service = {
      handle: async (events: readonly unknown[], caller: Caller): Promise<TriggerResponse> => {
        calls.push([[...events], caller]);
        return { results: [{ id: 'e-1', outcome: 'rejected', status: 404, error: { code: 'not_found', message: 'no deployment', details: [] } }] };
      },
    };
    const consumer = new TriggerConsumer({ queue, service, logger: silentLogger });
    await consumer.start();
    await expect(deliver(event)).resolves.toBeUndefined();
    expect(calls).toEqual([[[event], BUS_CALLER]]);
    expect(BUS_CALLER).toEqual({ name: 'bus', roles: ['ci'] });
  });

  it('acknowledges an invalid event (it would never become valid) and throws an unexpected failure (redelivery)', async () => {
    const { queue, deliver } = fakeQueue();
    let failure: unknown;
    const consumer = new TriggerConsumer({
      queue,
      service: {
        handle: async () => {
          throw failure;
        },
      },
      logger: silentLogger,
    });
    await consumer.start();
    failure = new DeployDbError('validation_failed', 'invalid', [{ path: '/0/type', message: 'unknown trigger type' }]);
    await expect(deliver(event)).resolves.toBeUndefined();
    failure = new Error('connection refused');
    await expect(deliver(event)).rejects.toThrow('connection refused');
    failure = new DeployDbError('unavailable', 'the database does not answer');
    await expect(deliver(event)).rejects.toThrow('the database does not answer');
  });
});
