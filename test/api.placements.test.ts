import { describe, expect, it } from 'vitest';
import { databaseModes } from './support/fixtures.js';
import { expectError, expectInvalid, ISO_UTC } from './support/apiHelpers.js';
import { outboxEvents } from './support/client.js';
import { flowDeploymentIn, registerVersion, shipTo, useTimeLedger } from './support/timeLedger.js';

/** CONTRACT §4 ("current", kind, statusAt, reason) and §11: direct deployments, rollback, history, ?at=, diff. */
describe.each(await databaseModes())('what runs where, over time (%s database)', (mode) => {
  const f = useTimeLedger(mode);
  const currentIn = async (environment: string, service: string, at?: string) =>
    ((await f.api.get(`/api/environments/${environment}/services${at ? `?at=${encodeURIComponent(at)}` : ''}`)) as any[]).find((i) => i.service === service) ?? null;
  const serviceIn = async (service: string, environment: string, at?: string) =>
    ((await f.api.get(`/api/services/${service}/environments${at ? `?at=${encodeURIComponent(at)}` : ''}`)) as any[]).find((i) => i.environment === environment);
  const record = (body: Record<string, unknown>, expected = 201, who: 'ci' | 'ops' = 'ci') => f.api.expectStatus(who, 'POST', '/api/deployments', body, expected);

  describe('POST /api/deployments: direct deployments', () => {
    it('records a deployment already COMPLETED: 201, Location, no flow, no promotions; it becomes current; created then completed events', async () => {
      const { artifact } = await registerVersion(f.api, 'web');
      f.tick();
      const response = await f.api.send('ci', 'POST', '/api/deployments', {
        service: 'web',
        environment: 'prod',
        artifact: { group: artifact.group, name: artifact.name, version: artifact.version },
        kind: 'hotfix',
        status: 'COMPLETED',
        reason: 'hand-patched the login bug',
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      const deployment = response.body;
      expect(response.headers.get('location')).toBe(`/api/deployments/${deployment.id}`);
      expect(deployment).toMatchObject({
        flowId: null,
        pipeline: null,
        service: 'web',
        environment: 'prod',
        kind: 'hotfix',
        status: 'COMPLETED',
        reason: 'hand-patched the login bug',
        promotions: [],
        artifact: { id: artifact.id },
      });
      expect(deployment.statusAt).toBe(f.clock.now().toISOString());
      expect(await f.api.get(`/api/deployments/${deployment.id}`)).toEqual(deployment);
      const current = await currentIn('prod', 'web');
      expect(current).toMatchObject({ service: 'web', deploymentId: deployment.id, status: 'COMPLETED', since: deployment.statusAt, artifact: { id: artifact.id } });
      const events = (await outboxEvents(f.t)).filter((e) => e.subject === `deployments/${deployment.id}`);
      expect(events.map((e) => e.type)).toEqual(['deploydb.deployment.created', 'deploydb.deployment.completed']);
      expect(events[0]!.data).toMatchObject({ status: 'CREATED', kind: 'hotfix', flowId: null });
      expect(events[1]!.data).toMatchObject({ status: 'COMPLETED', kind: 'hotfix' });
    });

    it('defaults to CREATED (in flight); reported COMPLETED it stays COMPLETED and moves no flow', async () => {
      const { artifact } = await registerVersion(f.api, 'mail');
      f.tick();
      const created = await record({ service: 'mail', environment: 'prod', artifactId: artifact.id, kind: 'manual' });
      expect(created).toMatchObject({ status: 'CREATED', kind: 'manual', reason: null, flowId: null });
      expect((await serviceIn('mail', 'prod')).inFlight).toMatchObject({ id: created.id });
      expect((await serviceIn('mail', 'prod')).current).toBeNull();
      f.tick();
      expect(await f.api.report(created.id, 'STARTED')).toMatchObject({ status: 'STARTED' });
      f.tick();
      const done = await f.api.report(created.id, 'COMPLETED');
      expect(done).toMatchObject({ status: 'COMPLETED', statusAt: f.clock.now().toISOString() });
      expect(await f.api.get(`/api/deployments/${created.id}`)).toMatchObject({ status: 'COMPLETED' });
      const there = await serviceIn('mail', 'prod');
      expect(there.current).toMatchObject({ id: created.id, status: 'COMPLETED' });
      expect(there.inFlight).toBeNull();
      // The flow of the artifact did not move: still only its dev deployment.
      expect((await f.api.get(`/api/flows/${artifact.flows[0].id}`)).deployments).toHaveLength(1);
      // A repeat answers as the first did; FAILED after COMPLETED is the deployer's to report.
      expect(await f.api.report(created.id, 'COMPLETED')).toEqual(done);
      f.tick();
      expect(await f.api.report(created.id, 'FAILED')).toMatchObject({ status: 'FAILED' });
      expect((await serviceIn('mail', 'prod')).current).toBeNull();
    });

    it('records STARTED: created then started events; STARTED is in flight', async () => {
      const { artifact } = await registerVersion(f.api, 'chat');
      const started = await record({ service: 'chat', environment: 'dev', artifactId: artifact.id, kind: 'manual', status: 'STARTED' });
      expect(started.status).toBe('STARTED');
      const types = (await outboxEvents(f.t)).filter((e) => e.subject === `deployments/${started.id}`).map((e) => e.type);
      expect(types).toEqual(['deploydb.deployment.created', 'deploydb.deployment.started']);
      expect((await serviceIn('chat', 'dev')).inFlight).toMatchObject({ id: started.id, status: 'STARTED' });
    });

    it('refuses what it cannot record, and stores nothing', async () => {
      const { artifact } = await registerVersion(f.api, 'feed');
      const other = await registerVersion(f.api, 'maps');
      const before = (await f.api.get('/api/deployments?service=feed&limit=500')).items.length;
      const ref = { group: artifact.group, name: artifact.name, version: artifact.version };
      expectError(await f.api.send('ci', 'POST', '/api/deployments', { service: 'feed', environment: 'prod', artifact: { ...ref, version: 'nope' }, kind: 'hotfix' }), 404, 'not_found');
      expectError(await f.api.send('ci', 'POST', '/api/deployments', { service: 'feed', environment: 'prod', artifactId: 999999, kind: 'hotfix' }), 404, 'not_found');
      expectInvalid(await f.api.send('ci', 'POST', '/api/deployments', { service: 'feed', environment: 'prod', artifactId: other.artifact.id, kind: 'hotfix' }), '/artifactId');
      expectInvalid(await f.api.send('ci', 'POST', '/api/deployments', { service: 'feed', environment: 'lab', artifact: ref, kind: 'hotfix' }), '/environment');
      expectInvalid(await f.api.send('ci', 'POST', '/api/deployments', { service: 'nope', environment: 'prod', artifact: ref, kind: 'hotfix' }), '/service');
      // Of the body's two forms, the one given speaks: nothing about the other's artifactId.
      expect(expectInvalid(await f.api.send('ci', 'POST', '/api/deployments', { service: 'feed', environment: 'prod', artifact: ref, kind: 'oops' }), '/kind').details).toEqual([
        { path: '/kind', message: 'must be one of "rollback", "hotfix", "manual"' },
      ]);
      for (const body of [
        { service: 'feed', environment: 'prod', kind: 'hotfix' },
        { service: 'feed', environment: 'prod', artifact: ref, artifactId: artifact.id, kind: 'hotfix' },
        { service: 'feed', environment: 'prod', artifact: ref, kind: 'flow' },
        { service: 'feed', environment: 'prod', artifact: ref, kind: 'hotfix', status: 'VERIFIED' },
        { service: 'feed', environment: 'prod', artifact: ref, kind: 'hotfix', status: 'FAILED' },
        { service: 'feed', environment: 'prod', artifact: { ...ref, extra: 1 }, kind: 'hotfix' },
      ]) {
        expectError(await f.api.send('ci', 'POST', '/api/deployments', body), 422, 'validation_failed');
      }
      expectError(await f.api.send('reader', 'POST', '/api/deployments', { service: 'feed', environment: 'prod', artifact: ref, kind: 'hotfix' }), 403, 'forbidden');
      expectError(await f.api.send('alice', 'POST', '/api/deployments', { service: 'feed', environment: 'prod', artifact: ref, kind: 'hotfix' }), 403, 'forbidden');
      expect((await f.api.get('/api/deployments?service=feed&limit=500')).items.length).toBe(before);
    });

    it('deploydb.trigger.deployment.recorded does the same from CI', async () => {
      const { artifact } = await registerVersion(f.api, 'search');
      const data = { service: 'search', environment: 'prod', artifact: { group: artifact.group, name: artifact.name, version: artifact.version }, kind: 'manual', status: 'COMPLETED' };
      const event = { specversion: '1.0', id: `rec-${artifact.id}`, source: 'ci/test', type: 'deploydb.trigger.deployment.recorded', data };
      const response = await f.api.send('ci', 'POST', '/api/triggers', event);
      expect(response.status, JSON.stringify(response.body)).toBe(202);
      expect(response.body.results).toEqual([{ id: event.id, outcome: 'applied', status: 201 }]);
      expect(await currentIn('prod', 'search')).toMatchObject({ artifact: { id: artifact.id }, status: 'COMPLETED' });
      expect((await f.api.send('ci', 'POST', '/api/triggers', event)).body.results).toEqual([{ id: event.id, outcome: 'duplicate', status: 201 }]);
      const bad = await f.api.send('ci', 'POST', '/api/triggers', { ...event, id: 'rec-bad', data: { ...data, kind: 'flow' } });
      expectError(bad, 422, 'validation_failed');
    });
  });

  describe('"current": the latest completion wins', () => {
    it('an older artifact completed after a newer one is what runs there', async () => {
      const v1 = await shipTo(f, 'auth');
      const v2 = await shipTo(f, 'auth');
      expect(await currentIn('prod', 'auth')).toMatchObject({ artifact: { id: v2.artifact.id }, deploymentId: v2.deployment.id, status: 'VERIFIED' });
      f.tick();
      const back = await record({ service: 'auth', environment: 'prod', artifactId: v1.artifact.id, kind: 'manual', status: 'COMPLETED' });
      expect(await currentIn('prod', 'auth')).toMatchObject({ artifact: { id: v1.artifact.id }, deploymentId: back.id, status: 'COMPLETED' });
      // A deployment of the newer version completed later wins again.
      f.tick();
      const again = await record({ service: 'auth', environment: 'prod', artifactId: v2.artifact.id, kind: 'manual', status: 'COMPLETED' });
      expect((await serviceIn('auth', 'prod')).current).toMatchObject({ id: again.id, artifact: { id: v2.artifact.id } });
    });

    it('a completed deployment that fails hands "current" back to the one before it', async () => {
      const v1 = await shipTo(f, 'api');
      const { artifact, dev } = await registerVersion(f.api, 'api');
      f.tick();
      await f.api.report(dev.id, 'COMPLETED');
      const prod = await flowDeploymentIn(f.api, artifact.flows[0].id, 'prod');
      f.tick();
      await f.api.report(prod.id, 'COMPLETED');
      expect(await currentIn('prod', 'api')).toMatchObject({ deploymentId: prod.id, status: 'COMPLETED' });
      f.tick();
      const rejected = await f.api.send('alice', 'POST', `/api/deployments/${prod.id}/promotions`, { name: 'go-live', status: 'FAILED', reason: 'error rate' });
      expect(rejected.status, JSON.stringify(rejected.body)).toBe(201);
      expect(await f.api.get(`/api/deployments/${prod.id}`)).toMatchObject({ status: 'FAILED' });
      expect(await currentIn('prod', 'api')).toMatchObject({ deploymentId: v1.deployment.id, artifact: { id: v1.artifact.id }, status: 'VERIFIED' });
    });
  });

  describe('POST /api/services/{name}/environments/{env}/rollback', () => {
    it('rolls back to the artifact current before the current one, or to `to`', async () => {
      const rollback = (body: unknown, who: 'ci' | 'ops' | 'reader' = 'ci') => f.api.send(who, 'POST', '/api/services/pay/environments/prod/rollback', body);
      expectError(await rollback({}), 409, 'conflict');
      const v1 = await shipTo(f, 'pay');
      expectError(await rollback({}), 409, 'conflict');
      const v2 = await shipTo(f, 'pay');
      f.tick();
      const response = await rollback({ reason: 'v2 leaks memory' });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      expect(response.headers.get('location')).toBe(`/api/deployments/${response.body.id}`);
      expect(response.body).toMatchObject({ kind: 'rollback', status: 'CREATED', flowId: null, pipeline: null, reason: 'v2 leaks memory', artifact: { id: v1.artifact.id }, environment: 'prod' });
      // Until the deployer completes it, v2 still runs there.
      expect(await currentIn('prod', 'pay')).toMatchObject({ artifact: { id: v2.artifact.id } });
      f.tick();
      await f.api.report(response.body.id, 'COMPLETED');
      expect(await currentIn('prod', 'pay')).toMatchObject({ artifact: { id: v1.artifact.id }, deploymentId: response.body.id, status: 'COMPLETED' });
      // Back to v2 by `to`; an artifact never current there, or unknown, is 422.
      f.tick();
      const forward = await rollback({ to: v2.artifact.id }, 'ops');
      expect(forward.status).toBe(201);
      expect(forward.body).toMatchObject({ kind: 'rollback', artifact: { id: v2.artifact.id } });
      const never = await registerVersion(f.api, 'pay');
      expectInvalid(await rollback({ to: never.artifact.id }), '/to');
      expectInvalid(await rollback({ to: 999999 }), '/to');
      expectError(await rollback({}, 'reader'), 403, 'forbidden');
      expectError(await rollback({ to: 'x' }), 422, 'validation_failed');
      expectError(await f.api.send('ci', 'POST', '/api/services/nope/environments/prod/rollback', {}), 404, 'not_found');
      expectError(await f.api.send('ci', 'POST', '/api/services/pay/environments/lab/rollback', {}), 404, 'not_found');
    });
  });

  describe('history, ?at= and diff', () => {
    it('lists each time a deployment became current, newest first, with from and to, paged', async () => {
      const v1 = await shipTo(f, 'jobs');
      const v2 = await shipTo(f, 'jobs');
      f.tick();
      const back = await record({ service: 'jobs', environment: 'prod', artifactId: v1.artifact.id, kind: 'rollback', status: 'COMPLETED' });
      f.tick();
      await f.api.report(back.id, 'FAILED');
      const history = await f.api.get('/api/services/jobs/environments/prod/history');
      expect(history.nextCursor).toBeNull();
      const v1At = v1.deployment.statusAt; // VERIFIED at once: completed at the same moment
      expect(history.items).toEqual([
        { deploymentId: v2.deployment.id, artifact: expect.objectContaining({ id: v2.artifact.id }), kind: 'flow', status: 'VERIFIED', from: (await f.api.get(`/api/deployments/${back.id}`)).statusAt, to: null },
        { deploymentId: back.id, artifact: expect.objectContaining({ id: v1.artifact.id }), kind: 'rollback', status: 'FAILED', from: expect.stringMatching(ISO_UTC), to: expect.stringMatching(ISO_UTC) },
        { deploymentId: v2.deployment.id, artifact: expect.objectContaining({ id: v2.artifact.id }), kind: 'flow', status: 'VERIFIED', from: v2.deployment.statusAt, to: history.items[1].from },
        { deploymentId: v1.deployment.id, artifact: expect.objectContaining({ id: v1.artifact.id }), kind: 'flow', status: 'VERIFIED', from: v1At, to: v2.deployment.statusAt },
      ]);
      expect(history.items[1].to).toBe(history.items[0].from);
      // One at a time, the same items.
      const first = await f.api.get('/api/services/jobs/environments/prod/history?limit=1');
      expect(first.items).toEqual(history.items.slice(0, 1));
      let cursor = first.nextCursor;
      const rest: unknown[] = [];
      while (cursor) {
        const page = await f.api.get(`/api/services/jobs/environments/prod/history?limit=1&cursor=${encodeURIComponent(cursor)}`);
        rest.push(...page.items);
        cursor = page.nextCursor;
      }
      expect(rest).toEqual(history.items.slice(1));
      expectError(await f.api.send('reader', 'GET', '/api/services/jobs/environments/prod/history?cursor=bogus'), 400, 'bad_request');
      expectError(await f.api.send('reader', 'GET', '/api/services/jobs/environments/lab/history'), 404, 'not_found');
      expect((await f.api.get('/api/services/jobs/environments/staging/history')).items.map((i: any) => i.deploymentId)).toHaveLength(2);
    });

    it('answers ?at= as things stood then, between recorded changes; before anything, nothing; in the future, as now', async () => {
      const start = f.tick();
      const v1 = await shipTo(f, 'maps');
      const afterV1 = new Date(f.tick(30).getTime() - 1).toISOString();
      const { artifact: a2, dev } = await registerVersion(f.api, 'maps');
      f.tick();
      await f.api.report(dev.id, 'COMPLETED');
      const prod2 = await flowDeploymentIn(f.api, a2.flows[0].id, 'prod');
      const whileInFlight = new Date(f.tick(30).getTime() - 1).toISOString();
      f.tick();
      await f.api.report(prod2.id, 'STARTED');
      const whileStarted = new Date(f.tick(30).getTime() - 1).toISOString();
      await f.api.report(prod2.id, 'COMPLETED');
      const now = f.clock.now().toISOString();

      expect(await currentIn('prod', 'maps', start.toISOString())).toBeNull();
      expect(await currentIn('prod', 'maps', afterV1)).toMatchObject({ deploymentId: v1.deployment.id, status: 'VERIFIED', since: v1.deployment.statusAt });
      expect(await currentIn('prod', 'maps', whileStarted)).toMatchObject({ deploymentId: v1.deployment.id });
      expect(await currentIn('prod', 'maps', now)).toMatchObject({ deploymentId: prod2.id, status: 'VERIFIED', since: now });
      expect(await currentIn('prod', 'maps', '2999-01-01T00:00:00Z')).toEqual(await currentIn('prod', 'maps'));

      const inFlightThen = await serviceIn('maps', 'prod', whileInFlight);
      expect(inFlightThen.current).toMatchObject({ id: v1.deployment.id, status: 'VERIFIED' });
      expect(inFlightThen.inFlight).toMatchObject({ id: prod2.id, status: 'CREATED', statusAt: prod2.createdAt });
      const startedThen = await serviceIn('maps', 'prod', whileStarted);
      expect(startedThen.inFlight).toMatchObject({ id: prod2.id, status: 'STARTED' });
      expect(startedThen.inFlight.statusAt).toBe(new Date(new Date(whileStarted).getTime() + 1 - 30_000).toISOString());
      const nowThere = await serviceIn('maps', 'prod');
      expect(nowThere.inFlight).toBeNull();
      expect(nowThere.current).toMatchObject({ id: prod2.id, status: 'VERIFIED' });

      for (const bad of ['yesterday', '2026-13-01T00:00:00Z', '2026-02-30', '2026-01-01T25:00:00Z', '']) {
        expectError(await f.api.send('reader', 'GET', `/api/environments/prod/services?at=${encodeURIComponent(bad)}`), 400, 'bad_request');
        expectError(await f.api.send('reader', 'GET', `/api/services/maps/environments?at=${encodeURIComponent(bad)}`), 400, 'bad_request');
        expectError(await f.api.send('reader', 'GET', `/api/environments/dev/diff/prod?at=${encodeURIComponent(bad)}`), 400, 'bad_request');
      }
      // Moments before the year 1 (in UTC) are before anything; after 9999, in the future.
      for (const early of ['0001-01-01T00:00:00Z', '0000-06-01T00:00:00Z', '0001-01-01T00:00:00+05:00', '0000-12-31']) {
        expect(await f.api.get(`/api/environments/prod/services?at=${encodeURIComponent(early)}`)).toEqual([]);
        expect((await f.api.get(`/api/environments/dev/diff/prod?at=${encodeURIComponent(early)}`)).every((d: any) => d.a === null && d.b === null)).toBe(true);
      }
      expect(await serviceIn('maps', 'prod', '9999-12-31T23:59:59-05:00')).toEqual(nowThere);
      expect(await f.api.get(`/api/environments/prod/services?at=${start.toISOString().slice(0, 10)}`)).toEqual(expect.any(Array));
    });

    it('shows a deployment as of then with the last reason reported by then, though later reports replaced it', async () => {
      const { artifact } = await registerVersion(f.api, 'maps');
      const direct = await record({ service: 'maps', environment: 'dev', artifactId: artifact.id, kind: 'manual', reason: 'asked for by ops' });
      const asked = new Date(f.tick(30).getTime() - 1).toISOString();
      const patch = (status: string, reason?: string) => f.api.expectStatus('ci', 'PATCH', `/api/deployments/${direct.id}`, { status, reason }, 200);
      await patch('STARTED');
      const started = new Date(f.tick(30).getTime() - 1).toISOString();
      await patch('COMPLETED', 'rolled out by hand');
      const done = new Date(f.tick(30).getTime() - 1).toISOString();
      await patch('FAILED', 'health check failed');

      expect((await serviceIn('maps', 'dev', asked)).inFlight).toMatchObject({ id: direct.id, status: 'CREATED', reason: 'asked for by ops' });
      expect((await serviceIn('maps', 'dev', started)).inFlight).toMatchObject({ id: direct.id, status: 'STARTED', reason: 'asked for by ops' });
      expect((await serviceIn('maps', 'dev', done)).current).toMatchObject({ id: direct.id, status: 'COMPLETED', reason: 'rolled out by hand' });
      expect(await f.api.get(`/api/deployments/${direct.id}`)).toMatchObject({ status: 'FAILED', reason: 'health check failed' });
    });

    it('diffs two environments per service in configuration order, now and at a past moment', async () => {
      const v1 = await shipTo(f, 'web');
      const past = f.tick().toISOString();
      const { dev } = await registerVersion(f.api, 'web');
      f.tick();
      await f.api.report(dev.id, 'COMPLETED');
      const diff = await f.api.get('/api/environments/dev/diff/prod');
      const services = (await f.api.get('/api/services?limit=500')).items.map((s: any) => s.key);
      expect(diff.map((d: any) => d.service)).toEqual(services);
      const web = diff.find((d: any) => d.service === 'web');
      expect(web).toMatchObject({ a: { deploymentId: dev.id }, b: { artifact: { id: v1.artifact.id } }, same: false });
      expect(Object.keys(web.a).sort()).toEqual(['artifact', 'deploymentId']);
      const before = (await f.api.get(`/api/environments/dev/diff/prod?at=${encodeURIComponent(past)}`)).find((d: any) => d.service === 'web');
      expect(before).toMatchObject({ a: { artifact: { id: v1.artifact.id } }, b: { artifact: { id: v1.artifact.id } }, same: true });
      const lab = await f.api.get('/api/environments/lab/diff/staging');
      expect(lab).toEqual([{ service: 'jobs', a: null, b: expect.anything(), same: false }]);
      expectError(await f.api.send('reader', 'GET', '/api/environments/nope/diff/prod'), 404, 'not_found');
    });
  });
});
