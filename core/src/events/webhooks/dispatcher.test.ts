import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WebhookConfig } from '../../config/model.js';
import { silentLogger } from '../../testing/silentLogger.js';
import type { Database } from '../../store/database.js';
import { EmbeddedQueue } from '../queue/embeddedQueue.js';
import { WebhookDispatcher } from './dispatcher.js';
import { databaseModes, openTestDatabase } from '../../testing/testDatabases.js';
import { webhook, webhooksConfig } from './testSupport.js';

interface Row {
  event_id: string;
  event_type: string;
  url: string;
  status: string;
  max_attempts: number;
}

describe.each(await databaseModes())('webhook dispatcher (%s database)', (mode) => {
  let db: Database;
  let destroy: () => Promise<void>;
  let queue: EmbeddedQueue;
  let dispatcher: WebhookDispatcher;
  let hooks: WebhookConfig[] = [];
  let woken = 0;

  beforeAll(async () => {
    ({ db, destroy } = await openTestDatabase(mode));
    queue = new EmbeddedQueue({ db, logger: silentLogger, pollMs: 50, redeliveryMs: 100 });
    await queue.start();
    dispatcher = new WebhookDispatcher({ db, queue, config: webhooksConfig(() => hooks), logger: silentLogger, onDeliveriesStored: () => woken++ });
    await dispatcher.start();
  });
  afterEach(async () => {
    await db.em().execute('delete from webhook_delivery');
    hooks = [];
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await queue?.stop();
    await destroy?.();
  });

  const rows = () => db.em().execute<Row[]>('select event_id, event_type, url, status, max_attempts from webhook_delivery order by id');
  const deployment = (environment: string) => ({ id: 3, flowId: 1, environment, status: 'CREATED' });
  const publish = async (type: string, subject: string, data: unknown) => {
    const id = randomUUID();
    const event = { specversion: '1.0', id, source: 'deploydb', type, time: new Date().toISOString(), subject, datacontenttype: 'application/json', data };
    await queue.publish(type, event, { id, key: subject });
    return event;
  };

  it('reads the queue only once webhooks are configured, from the events that follow', async () => {
    const early = await publish('deploydb.artifact.created', 'artifacts/0', { id: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await db.em().execute<Array<{ n: number }>>(`select count(*)::int as n from queue_group where name like 'deploydb-webhooks|%'`)).toEqual([{ n: 0 }]);
    hooks = [webhook('http://127.0.0.1:9/first')];
    await dispatcher.reconfigured();
    const later = await publish('deploydb.artifact.created', 'artifacts/1', { id: 1 });
    await vi.waitFor(async () => expect((await rows()).map((r) => r.event_id)).toEqual([later.id]), { timeout: 5000, interval: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await rows()).map((r) => r.event_id)).not.toContain(early.id);
  });

  it('stores one pending delivery per matching webhook, from events on the queue', async () => {
    hooks = [
      webhook('http://127.0.0.1:9/all', { retry: { attempts: 4, backoff: 1 } }),
      webhook('http://127.0.0.1:9/deployments', { events: ['deployment.*', 'promotion.completed'] }),
      webhook('http://127.0.0.1:9/prod', { environments: ['prod'] }),
    ];
    const before = woken;
    await publish('deploydb.artifact.created', 'artifacts/1', { id: 1 });
    await publish('deploydb.deployment.created', 'deployments/3', deployment('dev'));
    await publish('deploydb.deployment.verified', 'deployments/4', deployment('prod'));
    await publish('deploydb.promotion.completed', 'deployments/4/promotions/9', { deployment: deployment('prod'), promotionResult: { id: 9 } });
    await publish('deploydb.flow.completed', 'flows/1', { id: 1, status: 'SUCCESS' });
    await queue.publish('deploydb.trigger.deployment.started', { id: 't1' }, { id: randomUUID() });

    const stored = await vi.waitFor(
      async () => {
        const all = await rows();
        expect(all).toHaveLength(10);
        // The sender is woken once the insert returned: a moment after its rows are visible.
        expect(woken - before).toBe(5);
        return all;
      },
      { timeout: 5000, interval: 20 },
    );
    const byType = (type: string) => stored.filter((r) => r.event_type === `deploydb.${type}`).map((r) => r.url.split('/').pop());
    expect(byType('artifact.created')).toEqual(['all']);
    expect(byType('deployment.created')).toEqual(['all', 'deployments']);
    expect(byType('deployment.verified')).toEqual(['all', 'deployments', 'prod']);
    expect(byType('promotion.completed')).toEqual(['all', 'deployments', 'prod']);
    expect(byType('flow.completed')).toEqual(['all']);
    expect(stored.every((r) => r.status === 'pending')).toBe(true);
    expect(stored.filter((r) => r.url.endsWith('/all')).every((r) => r.max_attempts === 4)).toBe(true);
    // Once per event with deliveries, never more.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(woken - before).toBe(5);
  });

  it('adds nothing for a message delivered again', async () => {
    hooks = [webhook('http://127.0.0.1:9/a'), webhook('http://127.0.0.1:9/b')];
    const event = { id: randomUUID(), type: 'deploydb.artifact.created', subject: 'artifacts/2', data: { id: 2 } };
    const message = { id: event.id, type: event.type, event, deliveryCount: 1 };
    expect(await dispatcher.handle(message)).toBe(2);
    expect(await dispatcher.handle({ ...message, deliveryCount: 2 })).toBe(0);
    // The same event again through the queue (a broker's redelivery after a lost ack).
    await queue.publish(event.type, event, { id: `${event.id}-again` });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await rows()).toHaveLength(2);
  });

  it('follows the configuration as it is when the event comes', async () => {
    hooks = [];
    const event = { id: randomUUID(), type: 'deploydb.artifact.created', subject: 'artifacts/5', data: { id: 5 } };
    expect(await dispatcher.handle({ id: event.id, type: event.type, event, deliveryCount: 1 })).toBe(0);
    hooks = [webhook('http://127.0.0.1:9/new', { events: ['artifact.*'] })];
    const next = { ...event, id: randomUUID() };
    expect(await dispatcher.handle({ id: next.id, type: next.type, event: next, deliveryCount: 1 })).toBe(1);
    expect((await rows()).map((r) => r.event_id)).toEqual([next.id]);
  });
});
