import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import { TOKENS, databaseModes, startLedger } from './support/fixtures.js';
import { ledgerClient } from './support/client.js';

describe.each(await databaseModes())('restarts and reloads (%s database)', (mode) => {
  const kernels: TestKernel[] = [];
  afterAll(async () => {
    for (const k of kernels.reverse()) await k.stop();
    await kernels[0]?.destroy();
  });

  it('keeps every artifact, flow and deployment across a restart, and flows go on from where they were', async () => {
    const first = await startLedger(mode);
    kernels.push(first);
    const api = ledgerClient(first);
    const { id, flows } = await api.register();
    await api.report(flows[0].deployments[0].id, 'COMPLETED');
    const before = await api.flow(flows[0].id);
    await first.stop();

    const second = await startLedger(mode, { reuse: first });
    kernels.push(second);
    // The same database is the same installation: its bus names and consumer groups stay.
    expect(second.kernel.installationId).toBe(first.kernel.installationId);
    const again = ledgerClient(second);
    expect(await again.flow(flows[0].id)).toEqual(before);
    expect((await second.request('GET', `/api/artifacts/${id}`, undefined, { token: TOKENS.reader })).status).toBe(200);
    const integ = before.deployments[1];
    expect((await again.report(integ.id, 'COMPLETED')).status).toBe('VERIFIED');
    expect((await again.flow(flows[0].id)).deployments).toHaveLength(3);
    await second.stop();
  });

  it('a reload never changes a flow that has started; new flows take the new configuration', async () => {
    const kernel = await startLedger(mode, { reuse: kernels[0] });
    kernels.push(kernel);
    const api = ledgerClient(kernel);
    const { flows } = await api.register();
    const oldFlow = flows[0];

    // The new configuration drops the approval in preprod and adds one in integ.
    const file = path.join(kernel.dir, 'deploydb.yaml');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, original.replace('- integ\n', '- { name: integ, promotions: [go-live] }\n').replace('{ name: preprod, promotions: [pair-review] }', 'preprod'));
    expect((await kernel.request('POST', '/api/admin/reload', undefined, { token: TOKENS.ops })).status).toBe(200);
    expect((await api.call('reader', 'GET', '/api/pipelines/devtoprod', undefined, 200)).environments[1]).toEqual({ name: 'integ', promotions: ['go-live'] });

    // The old flow keeps integ without promotions and preprod with the pair review.
    let deployment = oldFlow.deployments[0];
    await api.report(deployment.id, 'COMPLETED');
    deployment = (await api.flow(oldFlow.id)).deployments[1];
    expect(deployment.promotions).toEqual([]);
    await api.report(deployment.id, 'COMPLETED');
    deployment = (await api.flow(oldFlow.id)).deployments[2];
    expect(deployment.promotions.map((p: any) => p.promotion)).toEqual(['pair-review']);

    // A new flow has the approval in integ.
    const fresh = await api.register();
    await api.report(fresh.flows[0].deployments[0].id, 'COMPLETED');
    const integ = (await api.flow(fresh.flows[0].id)).deployments[1];
    expect(integ.promotions.map((p: any) => p.promotion)).toEqual(['go-live']);

    // An invalid file is refused with its errors, and the old configuration stays.
    fs.writeFileSync(file, original.replace('pipelines: [devtoprod]', 'pipelines: [devtoprd]'));
    const refused = await kernel.request('POST', '/api/admin/reload', undefined, { token: TOKENS.ops });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('config_invalid');
    expect(refused.body.error.details.map((d: any) => d.message).join('\n')).toMatch(/deploydb\.yaml:\d+:\d+ services\.faas\.pipelines\[0\]: .*devtoprd/);
    expect((await api.call('reader', 'GET', '/api/pipelines/devtoprod', undefined, 200)).environments[1].promotions).toEqual(['go-live']);
    expect((await kernel.request('POST', '/api/admin/reload', undefined, { token: TOKENS.ci })).status).toBe(403);

    // The log format is chosen at start: a reload that changes it is refused, not half applied.
    fs.writeFileSync(file, `logging: { format: json }\n${original}`);
    const formatChange = await kernel.request('POST', '/api/admin/reload', undefined, { token: TOKENS.ops });
    expect(formatChange.status).toBe(422);
    expect(formatChange.body.error.details.map((d: any) => d.message).join('\n')).toContain('logging.format: changing logging.format needs a restart');
    fs.writeFileSync(file, original);
  });
});
