import { describe, expect, it } from 'vitest';
import { databaseModes } from './support/fixtures.js';
import { outboxEvents } from './support/client.js';
import { BAD_IDS, ISO_UTC, collectPages, expectError, expectInvalid, expectList, longString, toPreprod, toProd, useLedger } from './support/apiHelpers.js';

const DEPLOYMENT_KEYS = ['artifact', 'createdAt', 'environment', 'flowId', 'id', 'kind', 'pipeline', 'promotions', 'reason', 'service', 'status', 'statusAt', 'updatedAt'];
const RESULT_KEYS = ['actor', 'createdAt', 'id', 'infoUrl', 'promotion', 'reason', 'status', 'type', 'updatedAt'];

describe.each(await databaseModes())('deployments and flows API (%s database)', (mode) => {
  const f = useLedger(mode);

  /** A fresh dev deployment (CREATED, no promotions) of a new artifact. */
  const freshDev = async (module = 'com.acme:foas') => {
    const artifact = await f.api.register(module);
    return { artifact, flow: artifact.flows[0], dev: artifact.flows[0].deployments[0] };
  };
  const deployment = (id: number) => f.api.get(`/api/deployments/${id}`);
  const flowOf = (id: number) => f.api.get(`/api/flows/${id}`);

  describe('GET /api/deployments/{id}', () => {
    it('answers the Deployment with every field; optional fields null, never missing', async () => {
      const { preprod, artifact } = await toPreprod(f.api);
      expect(Object.keys(preprod).sort()).toEqual(DEPLOYMENT_KEYS);
      const { flows: _f, ...plain } = artifact;
      expect(preprod.artifact).toEqual(plain);
      expect(preprod.createdAt).toMatch(ISO_UTC);
      expect(preprod.updatedAt).toMatch(ISO_UTC);
      expect(preprod.promotions).toHaveLength(1);
      const [result] = preprod.promotions;
      for (const key of RESULT_KEYS) expect(result, key).toHaveProperty(key);
      expect(result).toMatchObject({ promotion: 'pair-review', type: 'manual', status: 'NOT_STARTED', infoUrl: null, reason: null, actor: null });
      expect(result.createdAt).toMatch(ISO_UTC);
    });

    it('an unknown id is 404 not_found', async () => {
      expectError(await f.api.send('reader', 'GET', '/api/deployments/2147483647'), 404, 'not_found');
    });

    it.each(BAD_IDS)('id %s is 400 bad_request', async (id) => {
      expectError(await f.api.send('reader', 'GET', `/api/deployments/${id}`), 400, 'bad_request');
    });

    it('needs a token', async () => {
      expectError(await f.api.send(null, 'GET', '/api/deployments/1'), 401, 'unauthorized');
      expectError(await f.api.send({ token: 'wrong' }, 'GET', '/api/deployments'), 401, 'unauthorized');
    });
  });

  describe('GET /api/deployments', () => {
    it('lists {items, nextCursor} in ascending id order, and pages every item exactly once', async () => {
      for (let i = 0; i < 3; i++) await freshDev('com.acme:billing');
      const all = (await collectPages(f.api, '/api/deployments', 500)).items;
      expect(all.length).toBeGreaterThanOrEqual(6);
      for (const item of all) expect(Object.keys(item).sort()).toEqual(DEPLOYMENT_KEYS);
      for (const limit of [1, 4, all.length]) {
        const { items, pages } = await collectPages(f.api, '/api/deployments', limit);
        expect(items.map((d) => d.id)).toEqual(all.map((d) => d.id));
        expect(pages).toHaveLength(Math.ceil(all.length / limit));
      }
    });

    it('filters by service, environment, status and artifact, alone and together', async () => {
      const { artifact, flow, dev } = await freshDev('com.acme:billing');
      await f.api.report(dev.id, 'STARTED');
      const byArtifact = (await collectPages(f.api, `/api/deployments?artifact=${artifact.id}`, 500)).items;
      expect(byArtifact.map((d) => [d.pipeline, d.environment, d.status])).toEqual([
        ['devtoprod', 'dev', 'STARTED'],
        ['hotfix', 'dev', 'CREATED'],
      ]);
      expect(byArtifact[0].flowId).toBe(flow.id);

      const billingDev = (await collectPages(f.api, '/api/deployments?service=billing&environment=dev', 500)).items;
      expect(billingDev.length).toBeGreaterThan(2);
      expect(billingDev.every((d) => d.service === 'billing' && d.environment === 'dev')).toBe(true);

      const started = (await collectPages(f.api, '/api/deployments?status=STARTED', 500)).items;
      expect(started.map((d) => d.id)).toContain(dev.id);
      expect(started.every((d) => d.status === 'STARTED')).toBe(true);

      const combined = (await collectPages(f.api, `/api/deployments?service=billing&environment=dev&status=CREATED&artifact=${artifact.id}`, 500)).items;
      expect(combined.map((d) => d.pipeline)).toEqual(['hotfix']);

      const paged = await collectPages(f.api, '/api/deployments?service=billing', 2);
      expect(paged.items.every((d) => d.service === 'billing')).toBe(true);
      expect(paged.items.map((d) => d.id)).toEqual((await collectPages(f.api, '/api/deployments?service=billing', 500)).items.map((d) => d.id));
    });

    it('a filter matching nothing is 200 with items []', async () => {
      expect(await f.api.get('/api/deployments?service=nothing')).toEqual({ items: [], nextCursor: null });
      expect(await f.api.get('/api/deployments?environment=nowhere')).toEqual({ items: [], nextCursor: null });
      expect(await f.api.get('/api/deployments?artifact=2147483647')).toEqual({ items: [], nextCursor: null });
    });

    it.each(['RUNNING', 'verified', 'NOT_STARTED', '', 'SUCCESS'])('?status=%s is 400 bad_request', async (status) => {
      expectError(await f.api.send('reader', 'GET', `/api/deployments?status=${status}`), 400, 'bad_request');
    });

    it.each(['abc', '0', '-3', '1.5'])('?artifact=%s is 400 bad_request', async (artifact) => {
      expectError(await f.api.send('reader', 'GET', `/api/deployments?artifact=${artifact}`), 400, 'bad_request');
    });

    it('checks ?limit and ?cursor', async () => {
      for (const limit of ['0', '501', 'abc']) expectError(await f.api.send('reader', 'GET', `/api/deployments?limit=${limit}`), 400, 'bad_request');
      expectError(await f.api.send('reader', 'GET', '/api/deployments?cursor=not-a-cursor'), 400, 'bad_request');
      expectError(await f.api.send('reader', 'GET', `/api/deployments?cursor=${Buffer.from('p1x').toString('base64url')}`), 400, 'bad_request');
    });
  });

  describe('PATCH /api/deployments/{id}: deployer reports (CONTRACT §3)', () => {
    it('CREATED → STARTED → COMPLETED (→ VERIFIED without promotions); repeats answer the current state', async () => {
      const { flow, dev } = await freshDev();
      const started = await f.api.report(dev.id, 'STARTED');
      expect(started).toMatchObject({ id: dev.id, status: 'STARTED' });
      expect(Object.keys(started).sort()).toEqual(DEPLOYMENT_KEYS);
      expect(await f.api.report(dev.id, 'STARTED')).toEqual(started);
      const completed = await f.api.report(dev.id, 'COMPLETED');
      expect(completed.status).toBe('VERIFIED');
      // repeats of statuses it had answer as the first did, with the current state
      expect(await f.api.report(dev.id, 'COMPLETED')).toEqual(completed);
      expect(await f.api.report(dev.id, 'STARTED')).toEqual(completed);
      // the next environment was created once
      expect((await flowOf(flow.id)).deployments.map((d: any) => [d.environment, d.status])).toEqual([
        ['dev', 'VERIFIED'],
        ['integ', 'CREATED'],
      ]);
    });

    it('VERIFIED → FAILED is 409 invalid_transition and changes nothing', async () => {
      const { flow, dev } = await freshDev();
      await f.api.report(dev.id, 'COMPLETED');
      const before = await deployment(dev.id);
      const flowBefore = await flowOf(flow.id);
      expectError(await f.api.send('ci', 'PATCH', `/api/deployments/${dev.id}`, { status: 'FAILED', reason: 'too late' }), 409, 'invalid_transition');
      expect(await deployment(dev.id)).toEqual(before);
      expect(await flowOf(flow.id)).toEqual(flowBefore);
    });

    it('CREATED → COMPLETED directly; then STARTED contradicts the history: 409', async () => {
      const { dev } = await freshDev();
      expect((await f.api.report(dev.id, 'COMPLETED')).status).toBe('VERIFIED');
      const before = await deployment(dev.id);
      expectError(await f.api.send('ci', 'PATCH', `/api/deployments/${dev.id}`, { status: 'STARTED' }), 409, 'invalid_transition');
      expect(await deployment(dev.id)).toEqual(before);
    });

    it('CREATED → FAILED fails the flow; COMPLETED and STARTED after that are 409, FAILED again answers the current state', async () => {
      const { flow, dev } = await freshDev();
      const failed = await f.api.expectStatus('ci', 'PATCH', `/api/deployments/${dev.id}`, { status: 'FAILED', reason: 'disk full' }, 200);
      expect(failed.status).toBe('FAILED');
      expect((await flowOf(flow.id)).status).toBe('FAILED');
      for (const status of ['COMPLETED', 'STARTED']) {
        expectError(await f.api.send('ci', 'PATCH', `/api/deployments/${dev.id}`, { status }), 409, 'invalid_transition');
      }
      expect(await f.api.report(dev.id, 'FAILED')).toEqual(failed);
      expect(await deployment(dev.id)).toEqual(failed);
      expect((await flowOf(flow.id)).deployments).toHaveLength(1);
    });

    it('STARTED → FAILED; then COMPLETED is 409, STARTED a repeat', async () => {
      const { dev } = await freshDev();
      await f.api.report(dev.id, 'STARTED');
      const failed = await f.api.report(dev.id, 'FAILED');
      expect(failed.status).toBe('FAILED');
      expectError(await f.api.send('ci', 'PATCH', `/api/deployments/${dev.id}`, { status: 'COMPLETED' }), 409, 'invalid_transition');
      expect(await f.api.report(dev.id, 'STARTED')).toEqual(failed);
    });

    it('with promotions: COMPLETED stays COMPLETED with its results STARTED; the deployer may still report FAILED', async () => {
      const { flow, preprod } = await toPreprod(f.api);
      const completed = await f.api.report(preprod.id, 'COMPLETED');
      expect(completed.status).toBe('COMPLETED');
      expect(completed.promotions.map((p: any) => [p.promotion, p.status])).toEqual([['pair-review', 'STARTED']]);
      expect(await f.api.report(preprod.id, 'COMPLETED')).toEqual(completed);
      const failed = await f.api.report(preprod.id, 'FAILED');
      expect(failed.status).toBe('FAILED');
      expect((await flowOf(flow.id)).status).toBe('FAILED');
      expect(await f.api.report(preprod.id, 'COMPLETED')).toEqual(await deployment(preprod.id));
      expectError(await f.api.send('ci', 'PATCH', `/api/deployments/${preprod.id}`, { status: 'STARTED' }), 409, 'invalid_transition');
    });

    it('the same report arriving concurrently makes one transition', async () => {
      const { flow, dev } = await freshDev();
      const answers = await Promise.all(Array.from({ length: 8 }, () => f.api.send('ci', 'PATCH', `/api/deployments/${dev.id}`, { status: 'COMPLETED' })));
      for (const answer of answers) {
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        expect(answer.body.status).toBe('VERIFIED');
      }
      expect((await flowOf(flow.id)).deployments).toHaveLength(2);
      const events = (await outboxEvents(f.t)).filter((e) => e.subject === `deployments/${dev.id}`).map((e) => e.type);
      expect(events).toEqual(['deploydb.deployment.created', 'deploydb.deployment.completed', 'deploydb.deployment.verified']);
    });

    it.each(['VERIFIED', 'CREATED', 'completed', 'Started', '', 'DONE'])('status %j is 422 and changes nothing', async (status) => {
      const { dev } = await freshDev();
      expectInvalid(await f.api.send('ci', 'PATCH', `/api/deployments/${dev.id}`, { status }), '/status');
      expect(await deployment(dev.id)).toEqual(dev);
    });

    it('a body without status, with a non-string status, an unknown field or an overlong reason is 422', async () => {
      const { dev } = await freshDev();
      const path = `/api/deployments/${dev.id}`;
      expectInvalid(await f.api.send('ci', 'PATCH', path, {}), '/status');
      expectInvalid(await f.api.send('ci', 'PATCH', path, { status: 1 }), '/status');
      expectInvalid(await f.api.send('ci', 'PATCH', path, { status: null }), '/status');
      expectInvalid(await f.api.send('ci', 'PATCH', path, { status: 'STARTED', environment: 'prod' }), '/environment');
      expectInvalid(await f.api.send('ci', 'PATCH', path, { status: 'FAILED', reason: longString(8193) }), '/reason');
      expectInvalid(await f.api.send('ci', 'PATCH', path, { status: 'FAILED', reason: 42 }), '/reason');
      expect(await deployment(dev.id)).toEqual(dev);
    });

    it('an unknown deployment is 404; a bad id 400', async () => {
      expectError(await f.api.send('ci', 'PATCH', '/api/deployments/2147483647', { status: 'STARTED' }), 404, 'not_found');
      for (const id of BAD_IDS) expectError(await f.api.send('ci', 'PATCH', `/api/deployments/${id}`, { status: 'STARTED' }), 400, 'bad_request');
    });

    it('needs role ci or admin: 401 without a token, 403 for reader and approver, nothing changed', async () => {
      const { dev } = await freshDev();
      const path = `/api/deployments/${dev.id}`;
      expectError(await f.api.send(null, 'PATCH', path, { status: 'STARTED' }), 401, 'unauthorized');
      expectError(await f.api.send({ token: 'forged' }, 'PATCH', path, { status: 'STARTED' }), 401, 'unauthorized');
      expectError(await f.api.send('reader', 'PATCH', path, { status: 'STARTED' }), 403, 'forbidden');
      expectError(await f.api.send('alice', 'PATCH', path, { status: 'STARTED' }), 403, 'forbidden');
      expect(await deployment(dev.id)).toEqual(dev);
      expect((await f.api.expectStatus('ops', 'PATCH', path, { status: 'STARTED' }, 200)).status).toBe('STARTED');
    });

    it('other methods on a deployment are 405 with an allow header', async () => {
      const { dev } = await freshDev();
      for (const method of ['DELETE', 'PUT']) {
        const response = await f.api.send('ops', method, `/api/deployments/${dev.id}`, method === 'PUT' ? { status: 'STARTED' } : undefined);
        expectError(response, 405, 'method_not_allowed');
        expect(response.headers.get('allow')).toMatch(/PATCH/);
      }
      expect(await deployment(dev.id)).toEqual(dev);
    });
  });

  describe('POST /api/deployments/{id}/promotions', () => {
    it('a promotion the deployment has no result for is 404, whoever asks and whatever its status', async () => {
      const { preprod } = await toPreprod(f.api);
      const { dev } = await freshDev();
      expectError(await f.api.send('alice', 'POST', `/api/deployments/${preprod.id}/promotions`, { name: 'go-live', status: 'SUCCESS' }), 404, 'not_found');
      expectError(await f.api.send('carol', 'POST', `/api/deployments/${preprod.id}/promotions`, { name: 'no-such-promotion', status: 'SUCCESS' }), 404, 'not_found');
      expectError(await f.api.send('ci', 'POST', `/api/deployments/${dev.id}/promotions`, { name: 'pair-review', status: 'SUCCESS' }), 404, 'not_found');
      expectError(await f.api.send('alice', 'POST', '/api/deployments/2147483647/promotions', { name: 'pair-review', status: 'SUCCESS' }), 404, 'not_found');
      expect(await deployment(preprod.id)).toEqual(preprod);
    });

    it('403 comes before 409: a caller who may not report it is 403 even while the deployment is not COMPLETED', async () => {
      const { preprod } = await toPreprod(f.api);
      const path = `/api/deployments/${preprod.id}/promotions`;
      expectError(await f.api.send('carol', 'POST', path, { name: 'pair-review', status: 'SUCCESS' }), 403, 'forbidden');
      expectError(await f.api.send('ci', 'POST', path, { name: 'pair-review', status: 'SUCCESS' }), 403, 'forbidden');
      expectError(await f.api.send('reader', 'POST', path, { name: 'pair-review', status: 'SUCCESS' }), 403, 'forbidden');
      expectError(await f.api.send(null, 'POST', path, { name: 'pair-review', status: 'SUCCESS' }), 401, 'unauthorized');
      // an approver who may: 409, the deployment is CREATED
      expectError(await f.api.send('alice', 'POST', path, { name: 'pair-review', status: 'SUCCESS' }), 409, 'invalid_transition');
      await f.api.report(preprod.id, 'STARTED');
      expectError(await f.api.send('alice', 'POST', path, { name: 'pair-review', status: 'SUCCESS' }), 409, 'invalid_transition');
      const after = await deployment(preprod.id);
      expect(after.status).toBe('STARTED');
      expect(after.promotions[0]).toMatchObject({ status: 'NOT_STARTED', actor: null });
    });

    it('ci may not approve a manual promotion (403) even once the deployment is COMPLETED', async () => {
      const { prod } = await toProd(f.api);
      await f.api.report(prod.id, 'COMPLETED');
      expectError(await f.api.send('ci', 'POST', `/api/deployments/${prod.id}/promotions`, { name: 'go-live', status: 'SUCCESS' }), 403, 'forbidden');
      expect((await deployment(prod.id)).promotions[0].status).toBe('STARTED');
    });

    it('approvals: 201 PromotionResult; a repeat by the same approver answers the current result; admin may always approve', async () => {
      const { preprod, flow } = await toPreprod(f.api);
      const path = `/api/deployments/${preprod.id}/promotions`;
      await f.api.report(preprod.id, 'COMPLETED');
      const first = await f.api.approve('alice', preprod.id, 'pair-review');
      for (const key of RESULT_KEYS) expect(first, key).toHaveProperty(key);
      expect(first).toMatchObject({ promotion: 'pair-review', type: 'manual', status: 'STARTED' });
      const repeat = await f.api.approve('alice', preprod.id, 'pair-review');
      // the current state, unchanged by the repeat
      expect(repeat).toEqual(await f.api.get(`/api/deployments/${preprod.id}/promotions/${first.id}`));
      expect(repeat).toMatchObject({ id: first.id, status: 'STARTED', actor: first.actor, createdAt: first.createdAt });
      expect((await deployment(preprod.id)).status).toBe('COMPLETED');

      // admin is not among approvers, and may approve anyway
      const second = await f.api.approve('ops', preprod.id, 'pair-review');
      expect(second).toMatchObject({ status: 'SUCCESS', actor: 'ops' });
      expect((await deployment(preprod.id)).status).toBe('VERIFIED');
      // a repeat after it passed still answers the current result
      expect(await f.api.approve('alice', preprod.id, 'pair-review')).toEqual(second);
      // a new report once the deployment moved on is 409
      expectError(await f.api.send('bob', 'POST', path, { name: 'pair-review', status: 'SUCCESS' }), 409, 'invalid_transition');

      const resultPath = `/api/deployments/${preprod.id}/promotions/${second.id}`;
      expect(await f.api.get(resultPath)).toEqual(second);
      const deployments = (await flowOf(flow.id)).deployments;
      expect(deployments.map((d: any) => [d.environment, d.status])).toEqual([
        ['dev', 'VERIFIED'],
        ['integ', 'VERIFIED'],
        ['preprod', 'VERIFIED'],
        ['prod', 'CREATED'],
      ]);
    });

    it('an approval made right after COMPLETED stays recorded in the result once the promotion was evaluated', async () => {
      const { preprod } = await toPreprod(f.api);
      await f.api.report(preprod.id, 'COMPLETED');
      const first = await f.api.approve('alice', preprod.id, 'pair-review');
      expect(first.evidence.approvals.map((a: any) => a.actor)).toEqual(['alice']);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const later = await f.api.get(`/api/deployments/${preprod.id}/promotions/${first.id}`);
      expect(later.evidence.approvals.map((a: any) => a.actor)).toEqual(['alice']);
      // and the repeat answers what the first answered (the evaluation may have touched updatedAt)
      const { updatedAt: _u, ...unchanged } = first;
      expect(await f.api.approve('alice', preprod.id, 'pair-review')).toEqual({ ...unchanged, updatedAt: expect.stringMatching(ISO_UTC) });
    });

    it('a rejection needs a reason (422), then fails the deployment and flow; later reports are 409', async () => {
      const { prod, flow } = await toProd(f.api);
      await f.api.report(prod.id, 'COMPLETED');
      const path = `/api/deployments/${prod.id}/promotions`;
      expectInvalid(await f.api.send('carol', 'POST', path, { name: 'go-live', status: 'FAILED' }), '/reason');
      expect((await deployment(prod.id)).promotions[0].status).toBe('STARTED');
      const rejected = await f.api.expectStatus('carol', 'POST', path, { name: 'go-live', status: 'FAILED', reason: 'not today', infoUrl: 'https://tickets.test/1' }, 201);
      expect(rejected).toMatchObject({ status: 'FAILED', actor: 'carol', infoUrl: 'https://tickets.test/1' });
      // Kept exactly as given: who rejected is `actor`, never written into the reason.
      expect(rejected.reason).toBe('not today');
      expect((await deployment(prod.id)).status).toBe('FAILED');
      expect((await flowOf(flow.id)).status).toBe('FAILED');
      expectError(await f.api.send('alice', 'POST', path, { name: 'go-live', status: 'SUCCESS' }), 409, 'invalid_transition');
    });

    it('a body failing the schema is 422 naming the field, and changes nothing', async () => {
      const { prod } = await toProd(f.api);
      await f.api.report(prod.id, 'COMPLETED');
      const path = `/api/deployments/${prod.id}/promotions`;
      expectInvalid(await f.api.send('carol', 'POST', path, { status: 'SUCCESS' }), '/name');
      expectInvalid(await f.api.send('carol', 'POST', path, { name: 'go-live' }), '/status');
      for (const status of ['PENDING', 'STARTED', 'NOT_STARTED', 'success', 'VERIFIED']) {
        expectInvalid(await f.api.send('carol', 'POST', path, { name: 'go-live', status }), '/status');
      }
      expectInvalid(await f.api.send('carol', 'POST', path, { name: '', status: 'SUCCESS' }), '/name');
      expectInvalid(await f.api.send('carol', 'POST', path, { name: longString(256), status: 'SUCCESS' }), '/name');
      expectInvalid(await f.api.send('carol', 'POST', path, { name: 'go-live', status: 'SUCCESS', infoUrl: '' }), '/infoUrl');
      expectInvalid(await f.api.send('carol', 'POST', path, { name: 'go-live', status: 'SUCCESS', infoUrl: longString(8193) }), '/infoUrl');
      expectInvalid(await f.api.send('carol', 'POST', path, { name: 'go-live', status: 'FAILED', reason: longString(8193) }), '/reason');
      expectInvalid(await f.api.send('carol', 'POST', path, { name: 'go-live', status: 'SUCCESS', actor: 'mallory' }), '/actor');
      const after = await deployment(prod.id);
      expect(after.status).toBe('COMPLETED');
      expect(after.promotions[0]).toMatchObject({ status: 'STARTED', actor: null });
    });

    it('bad deployment ids are 400', async () => {
      for (const id of BAD_IDS) {
        expectError(await f.api.send('alice', 'POST', `/api/deployments/${id}/promotions`, { name: 'go-live', status: 'SUCCESS' }), 400, 'bad_request');
      }
    });
  });

  describe('GET /api/deployments/{id}/promotions/{resultId}', () => {
    it('answers one result of that deployment; another deployment\'s result or an unknown one is 404', async () => {
      const { preprod } = await toPreprod(f.api);
      const other = await toPreprod(f.api);
      const resultId = preprod.promotions[0].id;
      const result = await f.api.get(`/api/deployments/${preprod.id}/promotions/${resultId}`);
      expect(result).toEqual(preprod.promotions[0]);
      expect(Object.keys(result).sort()).toEqual(expect.arrayContaining(RESULT_KEYS));
      expectError(await f.api.send('reader', 'GET', `/api/deployments/${other.preprod.id}/promotions/${resultId}`), 404, 'not_found');
      expectError(await f.api.send('reader', 'GET', `/api/deployments/${preprod.id}/promotions/2147483647`), 404, 'not_found');
      expectError(await f.api.send('reader', 'GET', `/api/deployments/2147483647/promotions/${resultId}`), 404, 'not_found');
      for (const id of BAD_IDS) {
        expectError(await f.api.send('reader', 'GET', `/api/deployments/${preprod.id}/promotions/${id}`), 400, 'bad_request');
        expectError(await f.api.send('reader', 'GET', `/api/deployments/${id}/promotions/${resultId}`), 400, 'bad_request');
      }
      expectError(await f.api.send(null, 'GET', `/api/deployments/${preprod.id}/promotions/${resultId}`), 401, 'unauthorized');
    });
  });

  describe('GET /api/flows', () => {
    it('one flow with its deployments; 404 unknown; 400 bad ids', async () => {
      const { flow } = await toPreprod(f.api);
      const got = await flowOf(flow.id);
      expect(Object.keys(got).sort()).toEqual(['artifact', 'createdAt', 'deployments', 'id', 'pipeline', 'service', 'status', 'updatedAt']);
      expect(got).toMatchObject({ id: flow.id, service: 'faas', pipeline: 'devtoprod', status: 'RUNNING', artifact: flow.artifact });
      expect(got.deployments.map((d: any) => d.environment)).toEqual(['dev', 'integ', 'preprod']);
      expect(got.deployments.every((d: any) => d.flowId === flow.id)).toBe(true);
      expect(got.createdAt).toMatch(ISO_UTC);
      expectError(await f.api.send('reader', 'GET', '/api/flows/2147483647'), 404, 'not_found');
      for (const id of BAD_IDS) expectError(await f.api.send('reader', 'GET', `/api/flows/${id}`), 400, 'bad_request');
      expectError(await f.api.send(null, 'GET', `/api/flows/${flow.id}`), 401, 'unauthorized');
    });

    it('lists flows in ascending id order, paging every flow exactly once', async () => {
      await freshDev('com.acme:billing');
      const all = (await collectPages(f.api, '/api/flows', 500)).items;
      expect(all.length).toBeGreaterThan(3);
      const { items } = await collectPages(f.api, '/api/flows', 3);
      expect(items.map((f) => f.id)).toEqual(all.map((f) => f.id));
      expect(expectList(await f.api.get('/api/flows')).items.length).toBe(Math.min(50, all.length));
      for (const limit of ['0', '501', 'abc']) expectError(await f.api.send('reader', 'GET', `/api/flows?limit=${limit}`), 400, 'bad_request');
      expectError(await f.api.send('reader', 'GET', '/api/flows?cursor=xyz'), 400, 'bad_request');
    });

    it('filters flows by service, status and artifact', async () => {
      const { artifact } = await freshDev('com.acme:billing');
      const ofArtifact = (await collectPages(f.api, `/api/flows?artifact=${artifact.id}`, 500)).items;
      expect(ofArtifact.map((f) => f.pipeline)).toEqual(['devtoprod', 'hotfix']);
      const failed = (await collectPages(f.api, '/api/flows?status=FAILED', 500)).items;
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((f) => f.status === 'FAILED')).toBe(true);
      const billing = (await collectPages(f.api, '/api/flows?service=billing', 500)).items;
      expect(billing.every((f) => f.service === 'billing')).toBe(true);
      expectError(await f.api.send('reader', 'GET', '/api/flows?status=VERIFIED'), 400, 'bad_request');
    });
  });
});
