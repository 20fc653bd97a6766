/**
 * A promotion result while it waits: the `reason` of its plugin's PENDING answer, and
 * `nextEvaluationAt`, when the kernel will ask the plugin again (null while it waits for a report).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { definePlugin, type Verdict } from '@deploydb/core';
import { startTestKernel, type TestKernel } from '@deploydb/core/testing';
import { databaseModes } from './support/fixtures.js';

const settingsSchema = Type.Object({}, { additionalProperties: false });

/** Waits for 08:00, an hour off: it asks to be checked again in an hour, and takes a report meanwhile. */
const window = definePlugin({
  id: 'acme-window',
  kind: 'promotion',
  type: 'Window',
  settingsSchema,
  create: () => ({
    evaluate: (): Verdict => ({ status: 'PENDING', checkAgainIn: 3600, reason: 'waiting until 08:00' }),
    reporting: {
      mayReport: () => true,
      accept: ({ report }): Verdict => (report.status === 'SUCCESS' ? { status: 'SUCCESS' } : { status: 'FAILED', reason: report.reason ?? 'refused' }),
    },
  }),
});

/** Waits for a sign-off reported over the API, with nothing to ask again. */
const signOff = definePlugin({
  id: 'acme-sign-off',
  kind: 'promotion',
  type: 'SignOff',
  settingsSchema,
  create: () => ({
    evaluate: (): Verdict => ({ status: 'PENDING', reason: 'waiting for a sign-off from QA' }),
    reporting: { mayReport: () => true, accept: (): Verdict => ({ status: 'SUCCESS' }) },
  }),
});

/** Not yet on its first evaluation, passed on its second; remembers when each happened. */
const evaluations: { attempt: number; at: number }[] = [];
const twice = definePlugin({
  id: 'acme-twice',
  kind: 'promotion',
  type: 'Twice',
  settingsSchema,
  create: () => ({
    evaluate: ({ attempt }): Verdict => {
      evaluations.push({ attempt, at: Date.now() });
      return attempt === 1 ? { status: 'PENDING', checkAgainIn: 1, reason: 'warming up' } : { status: 'SUCCESS' };
    },
  }),
});

const CONFIG = `
plugins:
  - package: acme-window
  - package: acme-sign-off
  - package: acme-twice
environments:
  staging: {}
  prod: {}
promotions:
  window: { type: Window }
  sign-off: { type: SignOff }
  twice: { type: Twice }
pipelines:
  gated:
    environments: [{ name: staging, promotions: [window] }, prod]
  signed:
    environments: [{ name: staging, promotions: [sign-off] }, prod]
  retried:
    environments: [{ name: staging, promotions: [twice] }, prod]
services:
  web: { name: Web, artifacts: ["com.acme:web"], pipelines: [gated] }
  api: { name: API, artifacts: ["com.acme:api"], pipelines: [signed] }
  jobs: { name: Jobs, artifacts: ["com.acme:jobs"], pipelines: [retried] }
`;

describe.each(await databaseModes())('a promotion result while it waits (%s database)', (database) => {
  let t: TestKernel;
  beforeAll(async () => {
    evaluations.length = 0;
    t = await startTestKernel({ config: CONFIG, database, plugins: { 'acme-window': window, 'acme-sign-off': signOff, 'acme-twice': twice } });
  });
  afterAll(() => t?.destroy());

  let counter = 0;
  async function completedDeployment(module: string) {
    counter += 1;
    const [group, name] = module.split(':');
    const registered = await t.request('POST', '/api/artifacts', { group, name, version: `1.${counter}.0`, sourceUrl: `https://ci.acme.test/${name}/${counter}` });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const deploymentId = registered.body.flows[0].deployments[0].id as number;
    const completed = await t.request('PATCH', `/api/deployments/${deploymentId}`, { status: 'COMPLETED' });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    return completed.body;
  }

  /** Polls the deployment's only result until `done` holds for it. */
  async function resultWhen(deploymentId: number, done: (result: any) => boolean) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { body } = await t.request('GET', `/api/deployments/${deploymentId}`);
      const result = body.promotions[0];
      if (done(result)) return result;
      if (Date.now() > deadline) throw new Error(`result never got there: ${JSON.stringify(result)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('is due at once when its deployment completes, with nothing to wait for yet', async () => {
    const deployment = await completedDeployment('com.acme:web');
    const [result] = deployment.promotions;
    expect(result).toMatchObject({ status: 'STARTED', reason: null });
    expect(result.nextEvaluationAt).toBe(result.updatedAt);
  });

  it("shows the plugin's reason and when it will be asked again, until a report settles it", async () => {
    const deployment = await completedDeployment('com.acme:web');
    const waiting = await resultWhen(deployment.id, (r) => r.reason !== null);
    expect(waiting).toMatchObject({ promotion: 'window', status: 'STARTED', reason: 'waiting until 08:00' });
    expect(Date.parse(waiting.nextEvaluationAt) - Date.parse(waiting.updatedAt)).toBe(3600_000);
    const one = await t.request('GET', `/api/deployments/${deployment.id}/promotions/${waiting.id}`);
    expect(one.body).toEqual(waiting);

    const reported = await t.request('POST', `/api/deployments/${deployment.id}/promotions`, { name: 'window', status: 'SUCCESS' });
    expect(reported.status, JSON.stringify(reported.body)).toBe(201);
    expect(reported.body).toMatchObject({ status: 'SUCCESS', reason: null, nextEvaluationAt: null });
    expect((await t.request('GET', `/api/deployments/${deployment.id}`)).body.status).toBe('VERIFIED');
  });

  it('has no next evaluation while it waits for a report', async () => {
    const deployment = await completedDeployment('com.acme:api');
    const waiting = await resultWhen(deployment.id, (r) => r.reason !== null);
    expect(waiting).toMatchObject({ status: 'STARTED', reason: 'waiting for a sign-off from QA', nextEvaluationAt: null });
  });

  it('is asked again no sooner than its next evaluation, and settles without a reason left from waiting', async () => {
    const deployment = await completedDeployment('com.acme:jobs');
    const settled = await resultWhen(deployment.id, (r) => r.status !== 'STARTED');
    expect(settled).toMatchObject({ status: 'SUCCESS', reason: null, nextEvaluationAt: null });
    expect(evaluations.map((e) => e.attempt)).toEqual([1, 2]);
    expect(evaluations[1]!.at - evaluations[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('describes both fields in /openapi.json', async () => {
    const { body: doc } = await t.request('GET', '/openapi.json');
    const schema = doc.components.schemas.PromotionResult;
    expect(schema.required).toEqual(expect.arrayContaining(['reason', 'nextEvaluationAt']));
    expect(JSON.stringify(schema.properties.nextEvaluationAt)).toContain('date-time');
  });
});
