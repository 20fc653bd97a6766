import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WebhookConfig } from '../../config/model.js';
import { isDeployDbError } from '../../errors.js';
import type { QueueProvider } from '../../plugin-api/queue.js';
import { silentLogger } from '../../testing/silentLogger.js';
import type { Database } from '../../store/database.js';
import type { Delivery } from './deliveryStore.js';
import { databaseModes, openTestDatabase } from '../../testing/testDatabases.js';
import { startReceiver, verifyStandardWebhook, webhook, webhooksConfig, type TestReceiver } from './testSupport.js';
import { Webhooks, type WebhooksOptions } from './webhooks.js';

/** These tests feed the dispatcher directly; the queue is never used. */
const noQueue = {} as QueueProvider;
const fast = { pollMs: 50, timeoutMs: 2000, stopGraceMs: 2000 };

describe.each(await databaseModes())('webhook sender (%s database)', (mode) => {
  let db: Database;
  let destroy: () => Promise<void>;
  let hooks: WebhookConfig[] = [];
  const config = webhooksConfig(() => hooks);
  const receivers: TestReceiver[] = [];
  const started: Webhooks[] = [];

  beforeAll(async () => {
    ({ db, destroy } = await openTestDatabase(mode));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((w) => w.stop()));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await db.em().execute('delete from webhook_delivery');
    hooks = [];
  });
  afterAll(() => destroy?.());

  const receiver = async (answer?: TestReceiver['answer']) => {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  };
  const webhooks = (sender: WebhooksOptions['sender'] = {}, start = true) => {
    const w = new Webhooks({ db, queue: noQueue, config, logger: silentLogger, sender: { ...fast, ...sender } });
    started.push(w);
    if (start) w.sender.start();
    return w;
  };
  let counter = 0;
  const event = (subject = `deployments/${++counter}`, type = 'deploydb.deployment.created') => ({
    specversion: '1.0',
    id: randomUUID(),
    source: 'deploydb',
    type,
    time: new Date().toISOString(),
    subject,
    datacontenttype: 'application/json',
    data: { id: counter, environment: 'dev', status: 'CREATED', note: 'ünïcode ✓' },
  });
  const dispatch = (w: Webhooks, e: { id: string; type: string }) => w.dispatcher.handle({ id: e.id, type: e.type, event: e, deliveryCount: 1 });
  const all = async (w: Webhooks) => (await w.deliveries.list({}, { after: 0, limit: 500 })).rows;
  const settled = (w: Webhooks, count: number, timeout = 5000) =>
    vi.waitFor(
      async () => {
        const rows = await all(w);
        expect(rows.filter((d) => d.status !== 'pending')).toHaveLength(count);
        return rows;
      },
      { timeout, interval: 20 },
    );

  it('POSTs the CloudEvent as it is, signed per Standard Webhooks', async () => {
    const r = await receiver();
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    hooks = [webhook(r.url, { secret })];
    const w = webhooks();
    const e = event();
    expect(await dispatch(w, e)).toBe(1);
    const [request] = await r.waitFor(1);
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/cloudevents+json');
    expect(request!.headers['webhook-id']).toBe(e.id);
    const timestamp = Number(request!.headers['webhook-timestamp']);
    expect(Number.isInteger(timestamp)).toBe(true);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(10);
    expect(request!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verifyStandardWebhook(secret, request!)).toBe(true);
    expect(verifyStandardWebhook(`whsec_${randomBytes(24).toString('base64')}`, request!)).toBe(false);
    expect(verifyStandardWebhook(secret, { ...request!, body: request!.body.replace('CREATED', 'VERIFIED') })).toBe(false);
    expect(JSON.parse(request!.body)).toEqual(e);

    const [delivery] = await settled(w, 1);
    expect(delivery).toEqual({
      id: expect.any(Number),
      eventId: e.id,
      eventType: 'deploydb.deployment.created',
      url: r.url,
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    } satisfies Delivery);
  });

  it('sends no signature for a webhook without a secret', async () => {
    const r = await receiver();
    hooks = [webhook(r.url)];
    const w = webhooks();
    const e = event();
    await dispatch(w, e);
    const [request] = await r.waitFor(1);
    expect(request!.headers['webhook-id']).toBe(e.id);
    expect(request!.headers['webhook-signature']).toBeUndefined();
    expect(JSON.parse(request!.body)).toEqual(e);
  });

  it('tries again after a 500 and then counts the delivery delivered', async () => {
    const r = await receiver((i) => (i === 0 ? 500 : 200));
    hooks = [webhook(r.url, { retry: { attempts: 3, backoff: 0.1 } })];
    const w = webhooks();
    const e = event();
    await dispatch(w, e);
    const [delivery] = await settled(w, 1);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200, lastError: null });
    expect(r.received.map((q) => q.headers['webhook-id'])).toEqual([e.id, e.id]);
  });

  it('lists in webhook_due exactly the pending deliveries, at their next attempt, and vacuums it as outcomes come in', async () => {
    const r = await receiver((i) => (i === 0 ? 500 : 200));
    hooks = [webhook(r.url, { retry: { attempts: 3, backoff: 30 } })];
    const vacuums = async () =>
      Number((await db.em().execute<{ n: string }[]>(`select coalesce(vacuum_count, 0)::text as n from pg_stat_user_tables where relname = 'webhook_due'`))[0]?.n ?? 0);
    const vacuumsBefore = await vacuums();
    const w = webhooks({ vacuumEvery: 2 });
    const due = () =>
      db.em().execute<Array<{ id: number; at_its_time: boolean; later: boolean }>>(
        `select w.id, w.next_attempt_at = d.next_attempt_at as at_its_time, w.next_attempt_at > now() + interval '10 seconds' as later
           from webhook_due w join webhook_delivery d on d.id = w.id order by w.id`,
      );
    const refused = event();
    await dispatch(w, refused);
    await r.waitFor(1);
    const delivered = event();
    await dispatch(w, delivered);
    await r.waitFor(2);
    await vi.waitFor(
      async () => {
        const rows = await all(w);
        expect(rows.map((d) => [d.eventId, d.status, d.attempts])).toEqual([
          [refused.id, 'pending', 1],
          [delivered.id, 'delivered', 1],
        ]);
      },
      { timeout: 5000, interval: 20 },
    );
    // The refused one waits about 30 s for its next try; the delivered one is off the list.
    const [pending] = (await all(w)).filter((d) => d.status === 'pending');
    expect(await due()).toEqual([{ id: pending!.id, at_its_time: true, later: true }]);
    await vi.waitFor(async () => expect(await vacuums()).toBeGreaterThan(vacuumsBefore), { timeout: 5000, interval: 50 });
  });

  it('fails a delivery that never gets an answer after its attempts; a retry sends it again once the receiver is fixed', async () => {
    const r = await receiver(() => 'hang');
    hooks = [webhook(r.url, { retry: { attempts: 2, backoff: 0.1 } })];
    const w = webhooks({ timeoutMs: 200 });
    await dispatch(w, event());
    const [failed] = await settled(w, 1);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, lastStatusCode: null, lastError: 'no answer within 0.2 s' });
    expect(r.received).toHaveLength(2);
    expect((await w.deliveries.list({ status: 'failed' }, { after: 0, limit: 50 })).rows.map((d) => d.id)).toEqual([failed!.id]);
    expect((await w.deliveries.list({ status: 'pending' }, { after: 0, limit: 50 })).rows).toEqual([]);

    r.answer = () => 200;
    const requeued = await w.deliveries.retry(failed!.id);
    expect(requeued).toMatchObject({ id: failed!.id, status: 'pending', attempts: 2 });
    await vi.waitFor(async () => expect((await all(w))[0]).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null }), {
      timeout: 5000,
      interval: 20,
    });
    expect(r.received).toHaveLength(3);

    const conflict = await w.deliveries.retry(failed!.id).catch((error: unknown) => error);
    expect(isDeployDbError(conflict) && conflict.code).toBe('conflict');
    const missing = await w.deliveries.retry(failed!.id + 1000).catch((error: unknown) => error);
    expect(isDeployDbError(missing) && missing.code).toBe('not_found');
  });

  it('keeps the receiver’s answer as the error of a refused try', async () => {
    const r = await receiver(() => 422);
    hooks = [webhook(r.url, { retry: { attempts: 1, backoff: 0.1 } })];
    const w = webhooks();
    await dispatch(w, event());
    const [failed] = await settled(w, 1);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 422, lastError: 'the receiver answered 422: not today' });
  });

  it('names the socket error when nothing listens', async () => {
    const gone = await startReceiver();
    await gone.close();
    hooks = [webhook(gone.url, { retry: { attempts: 1, backoff: 0.1 } })];
    const w = webhooks();
    await dispatch(w, event());
    const [failed] = await settled(w, 1);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: null, lastError: 'connection refused' });
  });

  it('fails, untried, a delivery whose webhook is no longer configured', async () => {
    const r = await receiver();
    hooks = [webhook(r.url)];
    const w = webhooks({}, false);
    await dispatch(w, event());
    hooks = [];
    w.sender.start();
    const [failed] = await settled(w, 1);
    expect(failed).toMatchObject({ status: 'failed', attempts: 0, lastStatusCode: null, lastError: expect.stringContaining('no longer configured') });
    expect(r.received).toHaveLength(0);
    const refused = await w.deliveries.retry(failed!.id).catch((error: unknown) => error);
    expect(isDeployDbError(refused) && refused.code).toBe('conflict');
  });

  it('delivers one deployment’s events in order, a later one waiting while an earlier one is retried', async () => {
    let first = true;
    const r = await receiver((_i, request) => {
      const { data } = JSON.parse(request.body) as { data: { step: number } };
      if (data.step === 0 && first) {
        first = false;
        return 503;
      }
      return { status: 200, delayMs: Math.floor(Math.random() * 20) };
    });
    hooks = [webhook(r.url, { retry: { attempts: 3, backoff: 0.1 } })];
    const w = webhooks();
    const ordered = Array.from({ length: 6 }, (_, step) => ({ ...event('deployments/4242'), data: { step } }));
    const others = Array.from({ length: 6 }, () => event());
    for (let i = 0; i < ordered.length; i++) {
      await dispatch(w, ordered[i]!);
      await dispatch(w, others[i]!);
    }
    await settled(w, 12);
    const steps = r.received.map((q) => JSON.parse(q.body) as { subject: string; data: { step: number } }).filter((e) => e.subject === 'deployments/4242');
    expect(steps.map((e) => e.data.step)).toEqual([0, 0, 1, 2, 3, 4, 5]);
    expect((await all(w)).every((d) => d.status === 'delivered')).toBe(true);
  });

  it('shares the work between two senders on one database, each delivery sent once', async () => {
    const r = await receiver(() => ({ status: 200, delayMs: 2 }));
    hooks = [webhook(r.url)];
    const one = webhooks({ concurrency: 8 });
    webhooks({ concurrency: 8 });
    const events = Array.from({ length: 120 }, () => event());
    await Promise.all(events.map((e) => dispatch(one, e)));
    await settled(one, 120, 10_000);
    const ids = r.received.map((q) => q.headers['webhook-id']);
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
  });

  it('lets a POST in flight finish when stopping', async () => {
    const r = await receiver(() => ({ status: 200, delayMs: 300 }));
    hooks = [webhook(r.url)];
    const w = webhooks({ stopGraceMs: 5000 });
    await dispatch(w, event());
    await r.waitFor(1);
    await w.stop();
    expect((await all(w))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('aborts a POST still in flight after the grace period, and puts it back untried', async () => {
    const r = await receiver(() => 'hang');
    hooks = [webhook(r.url)];
    const w = webhooks({ stopGraceMs: 100, timeoutMs: 10_000 });
    await dispatch(w, event());
    await r.waitFor(1);
    const began = performance.now();
    await w.stop();
    expect(performance.now() - began).toBeLessThan(2000);
    expect((await all(w))[0]).toMatchObject({ status: 'pending', attempts: 0 });

    // Another instance (or this one restarted) sends it.
    r.answer = () => 200;
    const next = webhooks();
    await settled(next, 1);
    expect((await all(next))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
  });
});
