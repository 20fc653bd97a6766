/**
 * The behaviour every queue provider must show against a real broker. A provider package runs it
 * from its own test file:
 *
 * ```ts
 * describe.runIf(await servicesAvailable(NATS))('queue-nats', () => {
 *   queueProviderContract('queue-nats', async () => ({ provider: makeProvider(uniqueNames()), cleanup }));
 * });
 * ```
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { QueueMessage, QueueProvider, Subscription } from '../plugin-api/queue.js';
import { cloudEvent, collector, sleep, waitUntil } from './queueMessages.js';

/** What the contract's factory hands back for one test. */
export interface QueueContractSubject {
  /** A provider that is not started yet. The contract starts and stops it (and may start it again after a stop). */
  provider: QueueProvider;
  /** Stops the broker and starts it again; resolves once the broker accepts connections. */
  restartServer?: () => Promise<void>;
  /** Removes what the test left on the broker (streams, keys). Runs after the provider stopped. */
  cleanup?: () => Promise<void>;
}

export interface QueueContractOptions {
  /**
   * How long a test watches for deliveries that must not happen (a redelivery after an ack, a
   * second consumer getting a message). Must exceed the provider's redelivery delays as the
   * factory configured them. Default 1500 ms.
   */
  quietMs?: number;
  /** How long a test waits for a message that must arrive. Default 5000 ms. */
  deliveryTimeoutMs?: number;
}

/**
 * Declares a vitest suite that `QueueProvider` implementations must pass against a real broker.
 *
 * `factory` is called once per test and must give a provider that sees nothing of other runs
 * (a unique stream, subject prefix or key prefix each time), configured with short redelivery
 * timings: a message whose handler threw comes back within about a second, and one held by a
 * stopped or vanished consumer within a few seconds. Each test is bounded to a few seconds.
 */
export function queueProviderContract(
  name: string,
  factory: () => Promise<QueueContractSubject>,
  options: QueueContractOptions = {},
): void {
  const quietMs = options.quietMs ?? 1500;
  const timeoutMs = options.deliveryTimeoutMs ?? 5000;
  const testTimeout = quietMs * 2 + timeoutMs * 2 + 5000;

  describe(`QueueProvider contract: ${name}`, () => {
    let opened: QueueContractSubject[] = [];

    async function open(): Promise<QueueContractSubject> {
      const subject = await factory();
      opened.push(subject);
      await subject.provider.start();
      return subject;
    }

    afterEach(async () => {
      const subjects = opened.reverse();
      opened = [];
      for (const subject of subjects) {
        await withTimeout(subject.provider.stop(), 15_000, 'provider.stop() after the test');
        await subject.cleanup?.();
      }
    });

    it('delivers a published message with its type, id and event intact', async () => {
      const { provider } = await open();
      const inbox = collector();
      await provider.subscribe('deploydb.>', { group: 'roundtrip' }, inbox.handler);
      const event = cloudEvent('deploydb.deployment.created', { id: 'd-1', status: 'CREATED', nested: { list: [1, 'two', null] } });
      await provider.publish('deploydb.deployment.created', event, { id: event.id as string });

      await inbox.waitForCount(1, timeoutMs);
      const [message] = inbox.messages;
      expect(message.type).toBe('deploydb.deployment.created');
      expect(message.id).toBe(event.id);
      expect(message.event).toEqual(event);
      expect(message.deliveryCount).toBe(1);
    }, testTimeout);

    it('resolves publish only once the broker holds the message', async () => {
      const { provider } = await open();
      const events = Array.from({ length: 20 }, (_, i) => cloudEvent('deploydb.artifact.created', { n: i }));
      // No subscriber exists yet and the publisher goes away: only the broker can still hold them.
      await Promise.all(events.map((e) => provider.publish('deploydb.artifact.created', e, { id: e.id as string })));
      await provider.stop();
      await provider.start();

      const inbox = collector();
      await provider.subscribe('deploydb.>', { group: 'late-group' }, inbox.handler);
      await inbox.waitForCount(events.length, timeoutMs);
      expect(new Set(inbox.ids())).toEqual(new Set(events.map((e) => e.id)));
    }, testTimeout);

    it('starts a new group asked to start from now at what is published afterwards; an existing group keeps its place', async () => {
      const { provider } = await open();
      const before = cloudEvent('deploydb.artifact.created', { when: 'before' });
      await provider.publish('deploydb.artifact.created', before, { id: before.id as string });
      const fresh = collector();
      await provider.subscribe('deploydb.>', { group: 'from-now', from: 'now' }, fresh.handler);
      const after = cloudEvent('deploydb.artifact.created', { when: 'after' });
      await provider.publish('deploydb.artifact.created', after, { id: after.id as string });
      await fresh.waitForCount(1, timeoutMs);
      await sleep(quietMs);
      expect(fresh.ids()).toEqual([after.id]);

      // Stopped and subscribed again from now, the group goes on from where it was.
      await provider.stop();
      await provider.start();
      const missed = cloudEvent('deploydb.artifact.created', { when: 'while away' });
      await provider.publish('deploydb.artifact.created', missed, { id: missed.id as string });
      const again = collector();
      await provider.subscribe('deploydb.>', { group: 'from-now', from: 'now' }, again.handler);
      await again.waitForCount(1, timeoutMs);
      await sleep(quietMs);
      expect(again.ids()).toEqual([missed.id]);
    }, testTimeout);

    it('redelivers a message whose handler threw, and not one whose handler resolved', async () => {
      const { provider } = await open();
      const failing = cloudEvent('deploydb.deployment.failed', { attempt: 'fails once' });
      const fine = cloudEvent('deploydb.deployment.completed', { attempt: 'fine' });
      const seen: QueueMessage[] = [];
      await provider.subscribe('deploydb.>', { group: 'retry' }, async (message) => {
        seen.push(message);
        if (message.id === failing.id && seen.filter((m) => m.id === failing.id).length === 1) {
          throw new Error('handler failure the test asked for');
        }
      });
      await provider.publish('deploydb.deployment.failed', failing, { id: failing.id as string });
      await provider.publish('deploydb.deployment.completed', fine, { id: fine.id as string });

      await waitUntil(() => seen.filter((m) => m.id === failing.id).length >= 2, timeoutMs + quietMs, 'the failed message to come back');
      await sleep(quietMs);
      const failedDeliveries = seen.filter((m) => m.id === failing.id);
      expect(failedDeliveries).toHaveLength(2);
      expect(failedDeliveries[1].deliveryCount).toBeGreaterThanOrEqual(2);
      expect(failedDeliveries[1].event).toEqual(failing);
      expect(seen.filter((m) => m.id === fine.id)).toHaveLength(1);
    }, testTimeout);

    it('shares the messages of one group between competing consumers', async () => {
      const { provider } = await open();
      const first = collector(10);
      const second = collector(10);
      await provider.subscribe('deploydb.>', { group: 'workers' }, first.handler);
      await provider.subscribe('deploydb.>', { group: 'workers' }, second.handler);
      const events = Array.from({ length: 40 }, (_, i) => cloudEvent('deploydb.promotion.completed', { n: i }));
      for (const e of events) await provider.publish('deploydb.promotion.completed', e, { id: e.id as string });

      await waitUntil(() => first.messages.length + second.messages.length >= events.length, timeoutMs, 'all messages to be consumed');
      await sleep(Math.min(quietMs, 500));
      const all = [...first.ids(), ...second.ids()];
      expect(all).toHaveLength(events.length);
      expect(new Set(all)).toEqual(new Set(events.map((e) => e.id)));
      // Busy handlers leave work for the other consumer: a provider that never shares fails here.
      expect(first.messages.length).toBeGreaterThan(0);
      expect(second.messages.length).toBeGreaterThan(0);
    }, testTimeout);

    it('gives every message to each group', async () => {
      const { provider } = await open();
      const audit = collector();
      const hooks = collector();
      await provider.subscribe('deploydb.>', { group: 'audit' }, audit.handler);
      await provider.subscribe('deploydb.>', { group: 'hooks' }, hooks.handler);
      const events = Array.from({ length: 10 }, (_, i) => cloudEvent('deploydb.flow.completed', { n: i }));
      for (const e of events) await provider.publish('deploydb.flow.completed', e, { id: e.id as string });

      await audit.waitForCount(events.length, timeoutMs);
      await hooks.waitForCount(events.length, timeoutMs);
      const expected = new Set(events.map((e) => e.id));
      expect(new Set(audit.ids())).toEqual(expected);
      expect(new Set(hooks.ids())).toEqual(expected);
    }, testTimeout);

    it('hands messages with one key to a consumer in publish order, one at a time', async () => {
      const { provider } = await open();
      const keys = ['deployment-a', 'deployment-b', 'deployment-c'];
      const started: Array<{ key: string; n: number }> = [];
      const running = new Set<string>();
      let overlaps = 0;
      await provider.subscribe('deploydb.deployment.*', { group: 'ordered' }, async (message) => {
        const data = message.event.data as { key: string; n: number };
        if (running.has(data.key)) overlaps += 1;
        running.add(data.key);
        started.push(data);
        // Uneven handler times would reorder a provider that runs one key's messages in parallel.
        await sleep((data.n * 7) % 13);
        running.delete(data.key);
      });
      const statuses = ['created', 'started', 'completed', 'verified'];
      const total = 36;
      for (let n = 0; n < total; n++) {
        const key = keys[n % keys.length];
        const type = `deploydb.deployment.${statuses[n % statuses.length]}`;
        const event = cloudEvent(type, { key, n });
        await provider.publish(type, event, { id: event.id as string, key });
      }

      await waitUntil(() => started.length >= total, timeoutMs, 'all keyed messages');
      expect(overlaps).toBe(0);
      for (const key of keys) {
        const order = started.filter((s) => s.key === key).map((s) => s.n);
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(order).toHaveLength(total / keys.length);
      }
    }, testTimeout);

    it('filters by pattern: `*` is one token, `>` the rest', async () => {
      const { provider } = await open();
      const deployments = collector();
      const everything = collector();
      await provider.subscribe('deploydb.deployment.*', { group: 'deployments-only' }, deployments.handler);
      await provider.subscribe('deploydb.>', { group: 'everything' }, everything.handler);
      const types = [
        'deploydb.deployment.created',
        'deploydb.artifact.created',
        'deploydb.deployment.completed',
        'deploydb.promotion.completed',
        'deploydb.trigger.deployment.started',
      ];
      for (const type of types) {
        const e = cloudEvent(type, {});
        await provider.publish(type, e, { id: e.id as string });
      }

      await everything.waitForCount(types.length, timeoutMs);
      await deployments.waitForCount(2, timeoutMs);
      await sleep(Math.min(quietMs, 500));
      expect(deployments.messages.map((m) => m.type)).toEqual(['deploydb.deployment.created', 'deploydb.deployment.completed']);
      expect(new Set(everything.messages.map((m) => m.type))).toEqual(new Set(types));
    }, testTimeout);

    it('closes a subscription only after the handler in flight finished', async () => {
      const { provider } = await open();
      let entered = false;
      let finished = false;
      const subscription: Subscription = await provider.subscribe('deploydb.>', { group: 'closing' }, async () => {
        entered = true;
        await sleep(400);
        finished = true;
      });
      const e = cloudEvent('deploydb.deployment.created', {});
      await provider.publish('deploydb.deployment.created', e, { id: e.id as string });
      await waitUntil(() => entered, timeoutMs, 'the handler to start');
      await withTimeout(subscription.close(), 5000, 'subscription.close()');
      expect(finished).toBe(true);
    }, testTimeout);

    it('stops only after the handler in flight finished, and its ack is kept', async () => {
      const { provider } = await open();
      const deliveries: string[] = [];
      let finished = false;
      await provider.subscribe('deploydb.>', { group: 'stopping' }, async (message) => {
        deliveries.push(message.id);
        await sleep(400);
        finished = true;
      });
      const e = cloudEvent('deploydb.deployment.created', {});
      await provider.publish('deploydb.deployment.created', e, { id: e.id as string });
      await waitUntil(() => deliveries.length === 1, timeoutMs, 'the handler to start');
      await withTimeout(provider.stop(), 5000, 'provider.stop()');
      expect(finished).toBe(true);

      // The same group in a new session must not get the message again: it was acknowledged.
      await provider.start();
      await provider.subscribe('deploydb.>', { group: 'stopping' }, async (message) => {
        deliveries.push(message.id);
      });
      await sleep(quietMs);
      expect(deliveries).toEqual([e.id]);
    }, testTimeout);

    it('reports health ok while connected, and not ok once stopped', async () => {
      const { provider } = await open();
      expect((await provider.health()).status).toBe('ok');
      await provider.stop();
      expect((await provider.health()).status).not.toBe('ok');
    }, testTimeout);

    it('reconnects after the broker restarts and delivers what is published afterwards', async (context) => {
      const subject = await open();
      if (!subject.restartServer) {
        context.skip();
        return;
      }
      const { provider } = subject;
      const inbox = collector();
      await provider.subscribe('deploydb.>', { group: 'survivor' }, inbox.handler);
      const before = cloudEvent('deploydb.deployment.created', { when: 'before' });
      await provider.publish('deploydb.deployment.created', before, { id: before.id as string });
      await inbox.waitForCount(1, timeoutMs);

      await subject.restartServer();
      await waitUntil(async () => (await provider.health()).status === 'ok', 15_000, 'health to be ok after the restart');
      const after = cloudEvent('deploydb.deployment.completed', { when: 'after' });
      // Callers (the outbox relay) retry a publish that failed while the broker came back.
      await retryFor(15_000, () => provider.publish('deploydb.deployment.completed', after, { id: after.id as string }));
      await waitUntil(() => inbox.ids().includes(after.id as string), 15_000, 'the message published after the restart');
    }, 60_000);
  });
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function retryFor(timeoutMs: number, attempt: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}
