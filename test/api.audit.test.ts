/**
 * The audit trail (CONTRACT §15): every write, refused ones too, and every 401/403 as
 * `auth.denied`; `GET /api/audit` newest first with its filters; an entry commits with the change
 * it records or not at all.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import { startReceiver, type TestReceiver } from '../core/src/events/webhooks/testSupport.js';
import { PendingAudit } from '../core/src/domain/audit.js';
import { TriggerConsumer } from '../core/src/events/triggers/triggerConsumer.js';
import { TriggerService } from '../core/src/events/triggers/triggerService.js';
import { silentLogger } from '@deploydb/core/testing';
import { LEDGER_CONFIG, TOKENS, databaseModes, newArtifact, startLedger } from './support/fixtures.js';
import { apiOf, expectError, type Api } from './support/apiHelpers.js';

interface Entry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: number;
  detail: Record<string, unknown>;
}

describe.each(await databaseModes())('the audit trail (%s database)', (mode) => {
  let t: TestKernel;
  let api: Api;
  let failing: TestReceiver;

  beforeAll(async () => {
    failing = await startReceiver(() => 500);
    t = await startLedger(mode, {
      config: `${LEDGER_CONFIG}
webhooks:
  - url: "${failing.url}"
    events: ["artifact.created"]
    retry: { attempts: 1, backoff: 0.1 }
`,
    });
    api = apiOf(t);
  });
  afterAll(async () => {
    await t?.destroy();
    await failing?.close();
  });

  /** Every entry, newest first, read straight from the table (not through the API under test). */
  async function entries(): Promise<Entry[]> {
    const rows = await t.kernel.db.sql<any>('select id, at, actor, action, target, outcome, detail from audit_entry order by at desc, id desc');
    return rows.map((r) => ({ ...r, id: Number(r.id), at: new Date(r.at).toISOString(), detail: typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail }));
  }
  /** The entries written since `mark` (an id), oldest first. */
  async function since(mark: number): Promise<Entry[]> {
    return (await entries()).filter((e) => e.id > mark).sort((a, b) => a.id - b.id);
  }
  const lastId = async () => (await entries()).reduce((max, e) => Math.max(max, e.id), 0);

  it('records a registration with the artifact it made, and its refusals with their status', async () => {
    const mark = await lastId();
    const input = newArtifact('com.acme:foas');
    const registered = await api.register('com.acme:foas', { version: input.version });
    expectError(await api.send('ci', 'POST', '/api/artifacts', { ...input, version: registered.version }), 409, 'already_exists');
    expectError(await api.send('ci', 'POST', '/api/artifacts', newArtifact('com.acme:unknown')), 404, 'no_service');
    expectError(await api.send('ci', 'POST', '/api/artifacts', { group: 'com.acme' }), 422, 'validation_failed');
    expectError(await api.send('ci', 'POST', '/api/artifacts', '{"group":'), 400, 'bad_request');

    const written = await since(mark);
    expect(written.map((e) => [e.actor, e.action, e.target, e.outcome])).toEqual([
      ['jenkins', 'artifact.register', `artifacts/${registered.id}`, 201],
      ['jenkins', 'artifact.register', 'artifacts', 409],
      ['jenkins', 'artifact.register', 'artifacts', 404],
      ['jenkins', 'artifact.register', 'artifacts', 422],
      ['jenkins', 'artifact.register', 'artifacts', 400],
    ]);
    expect(written[0]!.detail).toEqual({ group: 'com.acme', name: 'foas', version: registered.version });
    expect(written[1]!.detail).toEqual({ group: 'com.acme', name: 'foas', version: registered.version, error: 'already_exists' });
    expect(written[2]!.detail).toMatchObject({ name: 'unknown', error: 'no_service' });
    expect(written[3]!.detail).toEqual({ error: 'validation_failed' });
    // The registration's entry was written in the registration's own statement: same moment.
    expect(written[0]!.at).toBe(registered.createdAt);
  });

  it('records deployment reports, promotion reports and their refusals; a refused command leaves no success entry', async () => {
    const { flows } = await api.register('com.acme:foas');
    let deployment = flows[0].deployments[0];
    const mark = await lastId();
    await api.report(deployment.id, 'STARTED');
    expectError(await api.send('ci', 'PATCH', `/api/deployments/${deployment.id}`, { status: 'CREATED' }), 422, 'validation_failed');
    await api.report(deployment.id, 'COMPLETED');
    // Verified at once (no promotions in dev): failing it now contradicts its history.
    expectError(await api.send('ci', 'PATCH', `/api/deployments/${deployment.id}`, { status: 'FAILED' }), 409, 'invalid_transition');
    expectError(await api.send('ci', 'PATCH', '/api/deployments/999999', { status: 'STARTED' }), 404, 'not_found');
    expect((await since(mark)).map((e) => [e.action, e.target, e.outcome, e.detail])).toEqual([
      ['deployment.report', `deployments/${deployment.id}`, 200, { status: 'STARTED' }],
      ['deployment.report', `deployments/${deployment.id}`, 422, { error: 'validation_failed' }],
      ['deployment.report', `deployments/${deployment.id}`, 200, { status: 'COMPLETED' }],
      ['deployment.report', `deployments/${deployment.id}`, 409, { status: 'FAILED', error: 'invalid_transition' }],
      ['deployment.report', 'deployments/999999', 404, { status: 'STARTED', error: 'not_found' }],
    ]);

    // To preprod, where alice and bob must approve (carol may not).
    for (let stage = 1; stage < 3; stage++) {
      deployment = (await api.get(`/api/flows/${flows[0].id}`)).deployments[stage];
      await api.report(deployment.id, 'COMPLETED');
    }
    const approvals = await lastId();
    const approval = await api.approve('alice', deployment.id, 'pair-review');
    expectError(await api.send('carol', 'POST', `/api/deployments/${deployment.id}/promotions`, { name: 'pair-review', status: 'SUCCESS' }), 403, 'forbidden');
    expectError(await api.send('alice', 'POST', `/api/deployments/${deployment.id}/promotions`, { name: 'nope', status: 'SUCCESS' }), 404, 'not_found');
    expect((await since(approvals)).map((e) => [e.actor, e.action, e.target, e.outcome, e.detail])).toEqual([
      ['alice', 'promotion.report', `deployments/${deployment.id}/promotions/${approval.id}`, 201, { promotion: 'pair-review', status: 'SUCCESS' }],
      // A 403 from the command itself (carol is no approver of pair-review) is an auth.denied too.
      ['carol', 'auth.denied', `deployments/${deployment.id}`, 403, { promotion: 'pair-review', status: 'SUCCESS', attempted: 'promotion.report', error: 'forbidden' }],
      ['alice', 'promotion.report', `deployments/${deployment.id}`, 404, { promotion: 'nope', status: 'SUCCESS', error: 'not_found' }],
    ]);
  });

  it('records direct deployments and rollbacks with the deployment they made, and their refusals', async () => {
    const older = await api.register('com.acme:billing');
    const newer = await api.register('com.acme:billing');
    const devOf = (registration: any) => registration.flows.find((f: any) => f.pipeline === 'devtoprod').deployments[0];
    await api.report(devOf(older).id, 'COMPLETED');
    await api.report(devOf(newer).id, 'COMPLETED');
    const mark = await lastId();
    const hotfix = await api.expectStatus(
      'ci',
      'POST',
      '/api/deployments',
      { service: 'billing', environment: 'prod', artifactId: newer.id, kind: 'hotfix', status: 'COMPLETED', reason: 'urgent' },
      201,
    );
    expectError(await api.send('ci', 'POST', '/api/deployments', { service: 'billing', environment: 'prod', artifactId: 999999, kind: 'manual' }), 404, 'not_found');
    const rollback = await api.expectStatus('ops', 'POST', '/api/services/billing/environments/dev/rollback', { reason: 'bad build' }, 201);
    expectError(await api.send('ops', 'POST', '/api/services/billing/environments/dev/rollback', { to: 999999 }), 422, 'validation_failed');

    expect((await since(mark)).map((e) => [e.actor, e.action, e.target, e.outcome, e.detail])).toEqual([
      [
        'jenkins',
        'deployment.record',
        `deployments/${hotfix.id}`,
        201,
        { service: 'billing', environment: 'prod', artifactId: newer.id, kind: 'hotfix', status: 'COMPLETED' },
      ],
      [
        'jenkins',
        'deployment.record',
        'deployments',
        404,
        { service: 'billing', environment: 'prod', artifactId: 999999, kind: 'manual', status: 'CREATED', error: 'not_found' },
      ],
      ['ops', 'deployment.rollback', `deployments/${rollback.id}`, 201, { service: 'billing', environment: 'dev', artifactId: older.id }],
      ['ops', 'deployment.rollback', 'services/billing/environments/dev', 422, { service: 'billing', environment: 'dev', to: 999999, error: 'validation_failed' }],
    ]);
    expect(rollback).toMatchObject({ kind: 'rollback', artifact: { id: older.id } });
  });

  it('records each trigger event with what became of it, and a batch refused whole once', async () => {
    const artifact = newArtifact('com.acme:foas');
    const source = `ci/${randomUUID()}`;
    const available = { specversion: '1.0', id: 'e-1', source, type: 'deploydb.trigger.artifact.available', data: artifact };
    const unknownDeployment = {
      specversion: '1.0',
      id: 'e-2',
      source,
      type: 'deploydb.trigger.deployment.started',
      data: { service: 'faas', environment: 'prod', artifact: { group: 'com.acme', name: 'foas', version: 'never-registered' } },
    };
    const mark = await lastId();
    const first = await api.expectStatus('ci', 'POST', '/api/triggers', [available, unknownDeployment], 202);
    expect(first.results.map((r: any) => [r.outcome, r.status])).toEqual([
      ['applied', 201],
      ['rejected', 404],
    ]);
    await api.expectStatus('ci', 'POST', '/api/triggers', available, 202);
    expectError(await api.send('ci', 'POST', '/api/triggers', [{ id: 'x' }]), 422, 'validation_failed');

    const [registered] = (await api.get(`/api/artifacts?q=${encodeURIComponent(artifact.version)}`)).items;
    expect((await since(mark)).map((e) => [e.actor, e.action, e.target, e.outcome, e.detail])).toEqual([
      ['jenkins', 'trigger', `artifacts/${registered.id}`, 202, { source, id: 'e-1', type: available.type, result: 'applied', status: 201 }],
      ['jenkins', 'trigger', 'deployments', 202, { source, id: 'e-2', type: unknownDeployment.type, result: 'rejected', status: 404, error: 'not_found' }],
      ['jenkins', 'trigger', 'artifacts', 202, { source, id: 'e-1', type: available.type, result: 'duplicate', status: 201 }],
      ['jenkins', 'trigger', 'triggers', 422, { events: 1, error: 'validation_failed' }],
    ]);
  });

  it('records triggers from the bus as the actor bus, and an invalid one refused whole', async () => {
    const artifact = newArtifact('com.acme:foas');
    const valid = { specversion: '1.0', id: `bus-${randomUUID()}`, source: 'ci/bus', type: 'deploydb.trigger.artifact.available', data: artifact };
    const invalid = { specversion: '1.0', id: `bus-${randomUUID()}`, source: 'ci/bus', type: 'deploydb.trigger.artifact.available', data: { group: 'g' } };
    const mark = await lastId();
    // The embedded queue has no outside publishers, so the kernel reads no triggers from it: a consumer of the test's own.
    const consumer = new TriggerConsumer({ queue: t.kernel.queue, service: new TriggerService({ ledger: t.kernel.ledger, db: t.kernel.db }), logger: silentLogger });
    await consumer.start();
    try {
      await t.kernel.queue.publish(valid.type, valid, { id: valid.id });
      await vi.waitFor(async () => expect((await since(mark)).length).toBe(1), { timeout: 10_000, interval: 50 });
      await t.kernel.queue.publish(invalid.type, invalid, { id: invalid.id });
      await vi.waitFor(async () => expect((await since(mark)).length).toBe(2), { timeout: 10_000, interval: 50 });
    } finally {
      await consumer.stop();
    }
    const [registered] = (await api.get(`/api/artifacts?q=${encodeURIComponent(artifact.version)}`)).items;
    expect((await since(mark)).map((e) => [e.actor, e.action, e.target, e.outcome, e.detail])).toEqual([
      ['bus', 'trigger', `artifacts/${registered.id}`, 202, { source: 'ci/bus', id: valid.id, type: valid.type, result: 'applied', status: 201 }],
      ['bus', 'trigger', 'triggers', 422, { via: 'bus', messageId: invalid.id, error: 'validation_failed' }],
    ]);
  });

  it('records a reload asked for by SIGHUP, and one refused for an invalid file', async () => {
    const file = path.join(t.dir, 'deploydb.yaml');
    const original = fs.readFileSync(file, 'utf8');
    const mark = await lastId();
    await t.kernel.reloadOnSignal();
    fs.writeFileSync(file, `${original}
not-a-section: {}
`);
    try {
      await t.kernel.reloadOnSignal();
    } finally {
      fs.writeFileSync(file, original);
    }
    expect((await since(mark)).map((e) => [e.actor, e.action, e.target, e.outcome, e.detail])).toEqual([
      ['SIGHUP', 'config.reload', 'config', 200, { snapshotId: expect.any(Number) }],
      ['SIGHUP', 'config.reload', 'config', 422, { error: 'config_invalid' }],
    ]);
  });

  it('records a webhook retry and a reload, with what they acted on', async () => {
    const failed = await vi.waitFor(
      async () => {
        const { items } = await api.get('/api/webhooks/deliveries?status=failed', 'ops');
        expect(items.length).toBeGreaterThan(0);
        return items[0];
      },
      { timeout: 10_000, interval: 50 },
    );
    const mark = await lastId();
    await api.expectStatus('ops', 'POST', `/api/webhooks/deliveries/${failed.id}/retry`, undefined, 202);
    expectError(await api.send('ops', 'POST', '/api/webhooks/deliveries/999999/retry'), 404, 'not_found');
    await api.expectStatus('ops', 'POST', '/api/admin/reload', undefined, 200);
    const written = await since(mark);
    expect(written.map((e) => [e.actor, e.action, e.target, e.outcome])).toEqual([
      ['ops', 'webhook.retry', `webhooks/deliveries/${failed.id}`, 202],
      ['ops', 'webhook.retry', 'webhooks/deliveries/999999', 404],
      ['ops', 'config.reload', 'config', 200],
    ]);
    expect(written[0]!.detail).toEqual({ eventId: failed.eventId, eventType: 'deploydb.artifact.created' });
    expect(written[2]!.detail).toEqual({ snapshotId: expect.any(Number) });
  });

  it('records every 401 and 403, to any method, as auth.denied, never with the token', async () => {
    const mark = await lastId();
    const guess = `guess-${randomUUID()}`;
    expectError(await api.send(null, 'GET', '/api/deployments'), 401, 'unauthorized');
    expectError(await api.send({ token: guess }, 'GET', '/api/artifacts/1'), 401, 'unauthorized');
    expectError(await api.send('reader', 'GET', '/api/audit'), 403, 'forbidden');
    expectError(await api.send('reader', 'POST', '/api/artifacts', newArtifact()), 403, 'forbidden');
    expectError(await api.send({ token: guess }, 'PATCH', '/api/deployments/7', { status: 'STARTED' }), 401, 'unauthorized');
    // What the database cannot store is recorded as near as it can be.
    expectError(await api.send(null, 'GET', '/api/environments/a%00b'), 401, 'unauthorized');
    // Public routes and routes that do not exist are neither refused nor recorded.
    await api.send(null, 'GET', '/health');
    await api.send(null, 'GET', '/api/nothing-here');

    const written = await since(mark);
    expect(written.map((e) => [e.actor, e.action, e.target, e.outcome, e.detail])).toEqual([
      ['anonymous', 'auth.denied', 'deployments', 401, { method: 'GET', error: 'unauthorized' }],
      ['anonymous', 'auth.denied', 'artifacts/1', 401, { method: 'GET', error: 'unauthorized' }],
      ['reader', 'auth.denied', 'audit', 403, { method: 'GET', error: 'forbidden' }],
      ['reader', 'auth.denied', 'artifacts', 403, { attempted: 'artifact.register', error: 'forbidden' }],
      ['anonymous', 'auth.denied', 'deployments/7', 401, { attempted: 'deployment.report', error: 'unauthorized' }],
      ['anonymous', 'auth.denied', 'environments/a\uFFFDb', 401, { method: 'GET', error: 'unauthorized' }],
    ]);
    const table = JSON.stringify(await entries());
    expect(table).not.toContain(guess);
    for (const token of Object.values(TOKENS)) expect(table).not.toContain(token);
  });

  describe('GET /api/audit', () => {
    it('is for admins only, and pages the whole trail newest first', async () => {
      expectError(await api.send('ci', 'GET', '/api/audit'), 403, 'forbidden');
      const all = await entries();
      expect(all.length).toBeGreaterThan(20);
      const seen: Entry[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Entry[]; nextCursor: string | null } = await api.get(`/api/audit?limit=7${cursor ? `&cursor=${cursor}` : ''}`, 'ops');
        expect(page.items.length).toBeLessThanOrEqual(7);
        seen.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      // The reads above are GETs: they add nothing to the trail.
      expect(seen).toEqual(all);
      expect(Object.keys(seen[0]!).sort()).toEqual(['action', 'actor', 'at', 'detail', 'id', 'outcome', 'target']);
    });

    it('filters by actor, action and time, both ends included', async () => {
      const all = await entries();
      const byActor = (await api.get('/api/audit?actor=alice&limit=500', 'ops')).items as Entry[];
      expect(byActor).toEqual(all.filter((e) => e.actor === 'alice'));
      expect(byActor.length).toBeGreaterThan(0);
      const denied = (await api.get('/api/audit?action=auth.denied&limit=500', 'ops')).items as Entry[];
      expect(denied).toEqual(all.filter((e) => e.action === 'auth.denied'));
      const both = (await api.get('/api/audit?actor=jenkins&action=trigger&limit=500', 'ops')).items as Entry[];
      expect(both).toEqual(all.filter((e) => e.actor === 'jenkins' && e.action === 'trigger'));
      expect(both.length).toBeGreaterThan(0);

      const middle = all[Math.floor(all.length / 2)]!;
      const fromMiddle = (await api.get(`/api/audit?from=${middle.at}&limit=500`, 'ops')).items as Entry[];
      expect(fromMiddle).toEqual(all.filter((e) => e.at >= middle.at));
      const toMiddle = (await api.get(`/api/audit?to=${middle.at}&limit=500`, 'ops')).items as Entry[];
      expect(toMiddle).toEqual(all.filter((e) => e.at <= middle.at));
      const exactly = (await api.get(`/api/audit?from=${middle.at}&to=${middle.at}`, 'ops')).items as Entry[];
      expect(exactly.map((e) => e.id)).toContain(middle.id);
      expect((await api.get('/api/audit?to=2000-01-01', 'ops')).items).toEqual([]);
      // Past the years kept (0001..9999 in UTC), a bound is the nearest one kept: before everything, after everything.
      expect((await api.get(`/api/audit?to=${encodeURIComponent('0001-01-01T00:00:00+05:00')}`, 'ops')).items).toEqual([]);
      expect((await api.get(`/api/audit?from=0000-06-01&to=${encodeURIComponent('9999-12-31T23:59:59-05:00')}&limit=500`, 'ops')).items).toEqual(all);
    });

    it('answers 400 for a bad filter or cursor', async () => {
      expectError(await api.send('ops', 'GET', '/api/audit?action=deleted'), 400, 'bad_request');
      expectError(await api.send('ops', 'GET', '/api/audit?from=yesterday'), 400, 'bad_request');
      expectError(await api.send('ops', 'GET', '/api/audit?to=2024-13-45T99:00:00Z'), 400, 'bad_request');
      expectError(await api.send('ops', 'GET', '/api/audit?from=2026-02-30'), 400, 'bad_request');
      expectError(await api.send('ops', 'GET', '/api/audit?cursor=cDEy'), 400, 'bad_request');
      expectError(await api.send('ops', 'GET', '/api/audit?limit=501'), 400, 'bad_request');
    });
  });

  describe('an entry and its change commit together or not at all', () => {
    it('keeps no entry of a registration whose statement failed after the entry was queued with it', async () => {
      const input = newArtifact('com.acme:foas');
      await api.register('com.acme:foas', { version: input.version });
      const mark = await lastId();
      // The duplicate's rows and its success entry go in one statement, which the unique index refuses.
      const audit = new PendingAudit<unknown>('jenkins', 'artifact.register', 201, () => ({ target: 'artifacts', detail: { marker: 'queued' } }));
      await expect(t.kernel.ledger.registerArtifact({ ...input, version: input.version }, audit as never)).rejects.toMatchObject({ code: 'already_exists' });
      expect(audit.recorded).toBe(false);
      expect(await since(mark)).toEqual([]);
    });

    it('keeps no change when its entry cannot be written: same transaction', async () => {
      const { flows } = await api.register('com.acme:foas');
      const deployment = flows[0].deployments[0];
      const mark = await lastId();
      // PostgreSQL refuses a NUL in text: the entry fails after the report's rows were written in its transaction.
      const audit = new PendingAudit<unknown>('jenkins\u0000', 'deployment.report', 200, () => ({ target: `deployments/${deployment.id}`, detail: {} }));
      await expect(t.kernel.ledger.reportDeployment(deployment.id, { status: 'STARTED' } as never, audit as never)).rejects.toThrow();
      expect(audit.recorded).toBe(false);
      expect(await since(mark)).toEqual([]);
      expect((await api.get(`/api/deployments/${deployment.id}`)).status).toBe('CREATED');
      const events = await t.kernel.db.sql<any>("select count(*)::int as n from outbox_event where type = 'deploydb.deployment.started' and event->>'subject' = ?", [`deployments/${deployment.id}`]);
      expect(events[0].n).toBe(0);
    });
  });
});
