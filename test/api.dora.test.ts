import { describe, expect, it } from 'vitest';
import { databaseModes } from './support/fixtures.js';
import { expectError } from './support/apiHelpers.js';
import { flowDeploymentIn, registerVersion, useTimeLedger } from './support/timeLedger.js';

const HOUR = 3600;

/** CONTRACT §11 DORA metrics, against figures worked out by hand from the same history. */
describe.each(await databaseModes())('GET /api/metrics/dora (%s database)', (mode) => {
  const f = useTimeLedger(mode);

  it('counts deployments, lead time, change failures (failed after completion, or rolled back) and time to restore', async () => {
    const { api, tick } = f;
    const start = f.clock.now();
    const at = () => f.clock.now().getTime();
    /** Registers a `web` version and completes it in dev and then in prod after `prodAfter` seconds; returns the times. */
    const ship = async (prodAfter: number, committedAt?: Date) => {
      const { artifact, dev } = await registerVersion(api, 'web', committedAt ? { committedAt: committedAt.toISOString(), revision: 'abc123' } : {});
      const registered = at();
      await api.report(dev.id, 'COMPLETED');
      const prod = await flowDeploymentIn(api, artifact.flows[0].id, 'prod');
      tick(prodAfter);
      await api.report(prod.id, 'COMPLETED');
      return { artifact, prod, registered, completed: at() };
    };

    tick(HOUR);
    const committed1 = new Date(at() - 5 * HOUR * 1000);
    const a1 = await ship(2 * HOUR, committed1); // lead: 7 h
    tick(HOUR);
    const a2 = await ship(3 * HOUR); // lead: 3 h, from its registration
    tick(HOUR);
    const rollback = await api.expectStatus('ci', 'POST', '/api/services/web/environments/prod/rollback', { reason: 'a2 is slow' }, 201);
    const rolledBackAt = at();
    tick(0.5 * HOUR);
    await api.report(rollback.id, 'COMPLETED'); // lead: from a1's commit; restores a2's failure after 30 min
    const rollbackDone = at();
    tick(HOUR);
    const { artifact: a3 } = await registerVersion(api, 'web');
    tick(HOUR);
    const hotfix = await api.expectStatus('ci', 'POST', '/api/deployments', { service: 'web', environment: 'prod', artifactId: a3.id, kind: 'hotfix', status: 'COMPLETED' }, 201);
    const hotfixDone = at(); // lead: 1 h after a3's registration
    tick(2 * HOUR);
    await api.report(hotfix.id, 'FAILED');
    const hotfixFailed = at();
    tick(HOUR);
    const a4 = await ship(4 * HOUR); // restores the hotfix's failure
    const end = new Date(start.getTime() + 10 * 86_400_000);

    const leads = [7 * HOUR, 3 * HOUR, (rollbackDone - committed1.getTime()) / 1000, HOUR, 4 * HOUR].sort((x, y) => x - y);
    const restores = [(rollbackDone - rolledBackAt) / 1000, (a4.completed - hotfixFailed) / 1000].sort((x, y) => x - y);
    expect((rollbackDone - committed1.getTime()) / 1000).toBe(5 * HOUR + 2 * HOUR + HOUR + 3 * HOUR + HOUR + 0.5 * HOUR);
    const figures = {
      deployments: 5,
      deploymentFrequencyPerDay: 0.5,
      leadTimeSeconds: { p50: leads[2], p90: leads[4] },
      changeFailureRate: 0.4,
      timeToRestoreSeconds: { p50: restores[0], p90: restores[1] },
    };
    const report = await api.get(`/api/metrics/dora?service=web&from=${start.toISOString()}&to=${end.toISOString()}`);
    expect(report).toEqual({ from: start.toISOString(), to: end.toISOString(), ...figures, services: [{ service: 'web', environment: 'prod', ...figures }] });
    expect(hotfixDone - new Date(a3.createdAt).getTime()).toBe(HOUR * 1000);

    // A window holding only the first two: no failure yet (a2 was rolled back after it).
    const early = await api.get(`/api/metrics/dora?service=web&from=${start.toISOString()}&to=${new Date(a2.completed).toISOString()}`);
    expect(early).toMatchObject({ deployments: 2, changeFailureRate: 0.5, leadTimeSeconds: { p50: 3 * HOUR, p90: 7 * HOUR } });
    // Another environment, by name.
    const dev = await api.get(`/api/metrics/dora?service=web&environment=dev&from=${start.toISOString()}&to=${end.toISOString()}`);
    expect(dev.services).toEqual([expect.objectContaining({ service: 'web', environment: 'dev', deployments: 3, changeFailureRate: 0 })]);
    // Nothing to measure: zero and nulls; the defaults cover every service in its last environment.
    const quiet = await api.get(`/api/metrics/dora?service=mail`);
    expect(quiet).toMatchObject({ deployments: 0, deploymentFrequencyPerDay: 0, leadTimeSeconds: null, changeFailureRate: null, timeToRestoreSeconds: null });
    const all = await api.get(`/api/metrics/dora?from=${start.toISOString()}&to=${end.toISOString()}`);
    expect(all.services.map((s: any) => `${s.service}@${s.environment}`)).toEqual((await api.get('/api/services?limit=500')).items.map((s: any) => `${s.key}@prod`));
    expect(all).toMatchObject({ deployments: 5 });
    // The same figures as gauges, over the last 30 days.
    const metrics = (await api.send(null, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(/^deploydb_dora_deployments\{service="web",environment="prod"\} 5$/m);
    expect(metrics).toMatch(/^deploydb_dora_change_failure_rate\{service="web",environment="prod"\} 0\.4$/m);
    expect(metrics).toMatch(new RegExp(`^deploydb_dora_lead_time_seconds\\{service="web",environment="prod",quantile="0.9"\\} ${leads[4]}$`, 'm'));
    expect(metrics).not.toMatch(/deploydb_dora_lead_time_seconds\{service="mail"/);
    expect(a1.completed - start.getTime()).toBe(3 * HOUR * 1000);
  });

  it('counts a rollback that replaces a deployment current again after a failure, and a rollback recorded done restores at once', async () => {
    const { api, tick } = f;
    const start = f.clock.now();
    const at = () => f.clock.now().getTime();
    const hotfix = async (artifactId: number, kind = 'hotfix') =>
      api.expectStatus('ci', 'POST', '/api/deployments', { service: 'pay', environment: 'prod', artifactId, kind, status: 'COMPLETED' }, 201);
    const [a1, a2, a3] = [(await registerVersion(api, 'pay')).artifact, (await registerVersion(api, 'pay')).artifact, (await registerVersion(api, 'pay')).artifact];

    tick(HOUR);
    await hotfix(a1.id);
    tick(HOUR);
    await hotfix(a2.id); // h2: replaced by h3, current again once h3 fails, then replaced by a rollback
    tick(HOUR);
    const h3 = await hotfix(a3.id);
    tick(HOUR);
    await api.report(h3.id, 'FAILED'); // h3 failed after completion; h2 is current again
    const h3Failed = at();
    tick(HOUR);
    const rollback = await api.expectStatus('ci', 'POST', '/api/services/pay/environments/prod/rollback', { to: a1.id }, 201);
    const rollbackCreated = at();
    tick(0.5 * HOUR);
    await api.report(rollback.id, 'COMPLETED'); // replaces h2: h2 failed when the rollback was created
    const rollbackDone = at();
    tick(HOUR);
    await hotfix(a2.id, 'rollback'); // a rollback of the rollback, recorded done: the first rollback failed, and is restored by it at once
    const history = await api.get('/api/services/pay/environments/prod/history');
    expect(history.items.map((h: any) => h.artifact.id)).toEqual([a2.id, a1.id, a2.id, a3.id, a2.id, a1.id]);

    const restores = [0, (rollbackDone - rollbackCreated) / 1000, (rollbackDone - h3Failed) / 1000];
    expect(restores).toEqual([0, 0.5 * HOUR, 1.5 * HOUR]);
    const end = new Date(start.getTime() + 10 * 86_400_000).toISOString();
    const report = await api.get(`/api/metrics/dora?service=pay&from=${start.toISOString()}&to=${end}`);
    expect(report).toMatchObject({ deployments: 5, changeFailureRate: 0.6, timeToRestoreSeconds: { p50: 0.5 * HOUR, p90: 1.5 * HOUR } });
  });

  it('refuses unknown names and bad windows', async () => {
    expectError(await f.api.send('reader', 'GET', '/api/metrics/dora?service=nope'), 404, 'not_found');
    expectError(await f.api.send('reader', 'GET', '/api/metrics/dora?environment=nope'), 404, 'not_found');
    expectError(await f.api.send('reader', 'GET', '/api/metrics/dora?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z'), 400, 'bad_request');
    expectError(await f.api.send('reader', 'GET', '/api/metrics/dora?from=last-week'), 400, 'bad_request');
    // Before the year 1 (in UTC) is before anything DeployDB keeps: the window starts there.
    const fromTheStart = await f.api.get(`/api/metrics/dora?from=${encodeURIComponent('0001-01-01T00:00:00+05:00')}&to=0001-02-01`);
    expect(fromTheStart).toMatchObject({ from: '0001-01-01T00:00:00.000Z', to: '0001-02-01T00:00:00.000Z', deployments: 0 });
    expectError(await f.api.send(null, 'GET', '/api/metrics/dora'), 401, 'unauthorized');
  });
});
