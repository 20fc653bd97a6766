import { describe, expect, it } from 'vitest';
import { databaseModes } from './support/fixtures.js';
import { useLedger } from './support/apiHelpers.js';

describe.each(await databaseModes())('GET /api/metrics/dora over several services (%s database)', (mode) => {
  const f = useLedger(mode);

  it('counts each service in its last environment, and a rollback as a failed change', async () => {
    const record = (service: string, module: string, version: string) =>
      f.api.expectStatus('ci', 'POST', '/api/deployments', { service, environment: 'prod', artifact: artifactOf(module, version), kind: 'manual', status: 'COMPLETED' }, 201);
    const artifactOf = (module: string, version: string) => {
      const [group, name] = module.split(':') as [string, string];
      return { group, name, version };
    };
    const faasOld = await f.api.register('com.acme:foas');
    const faasNew = await f.api.register('com.acme:foas');
    const billing = await f.api.register('com.acme:billing');
    await record('faas', 'com.acme:foas', faasOld.version);
    await record('faas', 'com.acme:foas', faasNew.version);
    await record('billing', 'com.acme:billing', billing.version);
    const rollback = await f.api.expectStatus('ci', 'POST', '/api/services/faas/environments/prod/rollback', { reason: 'errors up' }, 201);
    await f.api.report(rollback.id, 'COMPLETED');

    const dora = await f.api.get('/api/metrics/dora');
    const byService = Object.fromEntries(dora.services.map((s: { service: string }) => [s.service, s]));
    expect(Object.keys(byService).sort()).toEqual(['billing', 'faas']);
    expect(byService.faas).toMatchObject({ environment: 'prod', deployments: 3 });
    expect(byService.billing).toMatchObject({ environment: 'prod', deployments: 1, changeFailureRate: 0 });
    expect(byService.faas.changeFailureRate).toBeCloseTo(1 / 3);
    expect(dora.deployments).toBe(4);
  });
});
