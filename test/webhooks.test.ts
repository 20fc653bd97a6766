import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import { startReceiver, verifyStandardWebhook, type TestReceiver } from '../core/src/events/webhooks/testSupport.js';
import { LEDGER_CONFIG, TOKENS, databaseModes, startLedger } from './support/fixtures.js';
import { ledgerClient, outboxEvents } from './support/client.js';

type Event = { id: string; type: string; subject: string; data: any };

/** Events grouped by what they are about (a deployment's promotions belong to the deployment), each group in order. */
function sequences(events: Event[]): Map<string, string[]> {
  const bySubject = new Map<string, string[]>();
  for (const e of events) {
    const key = e.subject.split('/').slice(0, 2).join('/');
    bySubject.set(key, [...(bySubject.get(key) ?? []), `${e.type} ${e.id}`]);
  }
  return bySubject;
}

describe.each(await databaseModes())('outbound webhooks on a full server (%s database)', (mode) => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  let all: TestReceiver;
  let prod: TestReceiver;
  let flaky: TestReceiver;
  let t: TestKernel;

  beforeAll(async () => {
    all = await startReceiver();
    prod = await startReceiver(() => ({ status: 204, delayMs: Math.floor(Math.random() * 10) }));
    flaky = await startReceiver(() => 500);
    t = await startLedger(mode, {
      config: `${LEDGER_CONFIG}
webhooks:
  - url: "${all.url}"
    secret: "${secret}"
  - url: "${prod.url}"
    events: ["deployment.*", "promotion.completed"]
    environments: [prod]
  - url: "${flaky.url}"
    events: ["artifact.created"]
    retry: { attempts: 2, backoff: 0.1 }
`,
    });
  });
  afterAll(async () => {
    await t?.destroy();
    await Promise.all([all, prod, flaky].map((r) => r?.close()));
  });

  const call = async (who: keyof typeof TOKENS | null, method: string, path: string) => {
    const { status, body } = await t.request(method, path, undefined, who ? { token: TOKENS[who] } : {});
    return { status, body };
  };

  it('delivers every event of a flow to the receiver, signed, each once, in order per deployment', async () => {
    const api = ledgerClient(t);
    const { flows } = await api.register('com.acme:foas');
    const flowId = flows[0].id;
    let deployments = flows[0].deployments;
    for (let stage = 0; stage < 4; stage++) {
      const deployment = deployments[stage];
      await api.report(deployment.id, 'STARTED');
      await api.report(deployment.id, 'COMPLETED');
      if (deployment.environment === 'preprod') {
        await api.approve('alice', deployment.id, 'pair-review');
        await api.approve('bob', deployment.id, 'pair-review');
      }
      if (deployment.environment === 'prod') await api.approve('carol', deployment.id, 'go-live');
      deployments = (await api.flow(flowId)).deployments;
    }
    expect((await api.flow(flowId)).status).toBe('SUCCESS');

    const events = (await outboxEvents(t)) as Event[];
    expect(events.length).toBeGreaterThan(15);
    const received = await all.waitFor(events.length, 10_000);
    const bodies = received.map((r) => JSON.parse(r.body) as Event);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(bodies.length);
    expect(new Map(bodies.map((b) => [b.id, b]))).toEqual(new Map(events.map((e) => [e.id, e])));
    expect(sequences(bodies)).toEqual(sequences(events));
    for (const request of received) {
      expect(request.headers['content-type']).toBe('application/cloudevents+json');
      expect(request.headers['webhook-id']).toBe(JSON.parse(request.body).id);
      expect(verifyStandardWebhook(secret, request)).toBe(true);
    }

    // The prod-only webhook gets the prod deployment's events and nothing else.
    const prodDeployment = deployments[3];
    await vi.waitFor(() => expect(prod.received).toHaveLength(5), { timeout: 5000, interval: 20 });
    expect(prod.received.map((r) => JSON.parse(r.body) as Event).map((e) => [e.type, e.subject.split('/')[1]])).toEqual([
      ['deploydb.deployment.created', String(prodDeployment.id)],
      ['deploydb.deployment.started', String(prodDeployment.id)],
      ['deploydb.deployment.completed', String(prodDeployment.id)],
      ['deploydb.promotion.completed', String(prodDeployment.id)],
      ['deploydb.deployment.verified', String(prodDeployment.id)],
    ]);
    expect(prod.received.every((r) => r.headers['webhook-signature'] === undefined)).toBe(true);

    await vi.waitFor(
      async () => {
        const { body } = await call('ops', 'GET', `/api/webhooks/deliveries?status=delivered&limit=500`);
        expect(body.items).toHaveLength(events.length + 5);
      },
      { timeout: 5000, interval: 50 },
    );
  });

  it('lists a delivery that failed for good, and an admin retry sends it again once the receiver is fixed', async () => {
    const failed = await vi.waitFor(
      async () => {
        const { status, body } = await call('ops', 'GET', '/api/webhooks/deliveries?status=failed');
        expect(status).toBe(200);
        expect(body.items).toHaveLength(1);
        return body.items[0];
      },
      { timeout: 5000, interval: 50 },
    );
    expect(Object.keys(failed).sort()).toEqual(['attempts', 'createdAt', 'eventId', 'eventType', 'id', 'lastError', 'lastStatusCode', 'status', 'updatedAt', 'url'].sort());
    expect(failed).toMatchObject({ url: flaky.url, eventType: 'deploydb.artifact.created', status: 'failed', attempts: 2, lastStatusCode: 500 });
    expect(failed.lastError).toContain('500');
    expect(flaky.received).toHaveLength(2);

    // Deliveries name receivers' URLs: listing them is for admins only, like retrying them.
    expect((await call('reader', 'GET', '/api/webhooks/deliveries?status=failed')).status).toBe(403);
    expect((await call('ci', 'GET', '/api/webhooks/deliveries')).status).toBe(403);
    expect((await call(null, 'GET', '/api/webhooks/deliveries')).status).toBe(401);
    expect((await call('reader', 'POST', `/api/webhooks/deliveries/${failed.id}/retry`)).status).toBe(403);
    expect((await call(null, 'POST', `/api/webhooks/deliveries/${failed.id}/retry`)).status).toBe(401);
    const unknown = await call('ops', 'POST', '/api/webhooks/deliveries/999999/retry');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    expect((await call('ops', 'GET', '/api/webhooks/deliveries?status=lost')).status).toBe(400);

    flaky.answer = () => 200;
    const retried = await call('ops', 'POST', `/api/webhooks/deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: failed.id, status: 'pending', attempts: 2 });
    await vi.waitFor(
      async () => {
        const { body } = await call('ops', 'GET', '/api/webhooks/deliveries?status=delivered&limit=500');
        expect(body.items.find((d: any) => d.id === failed.id)).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null });
      },
      { timeout: 5000, interval: 50 },
    );
    expect(flaky.received).toHaveLength(3);
    const again = await call('ops', 'POST', `/api/webhooks/deliveries/${failed.id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
  });

  it('pages deliveries in ascending id order', async () => {
    const first = await call('ops', 'GET', '/api/webhooks/deliveries?limit=5');
    expect(first.body.items).toHaveLength(5);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call('ops', 'GET', `/api/webhooks/deliveries?limit=5&cursor=${first.body.nextCursor}`);
    const ids = [...first.body.items, ...second.body.items].map((d: any) => d.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(10);
  });

  it('creates no second delivery when the queue delivers an event again', async () => {
    const count = async () => (await t.kernel.db.em().execute<{ n: string }[]>('select count(*)::text as n from webhook_delivery'))[0]!.n;
    const before = await count();
    const [event] = (await outboxEvents(t)) as Event[];
    expect(await t.kernel.webhooks.dispatcher.handle({ id: event!.id, type: event!.type, event: event as any, deliveryCount: 2 })).toBe(0);
    // A copy of the message under another message id (past a broker's deduplication window).
    await t.kernel.queue.publish(event!.type, event as any, { id: randomUUID() });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await count()).toBe(before);
    expect(all.received.filter((r) => JSON.parse(r.body).id === event!.id)).toHaveLength(1);
  });
});
