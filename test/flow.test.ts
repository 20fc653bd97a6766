import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import { databaseModes, startLedger } from './support/fixtures.js';
import { ledgerClient, outboxEvents } from './support/client.js';

describe.each(await databaseModes())('a flow from dev to prod (%s database)', (mode) => {
  let t: TestKernel;
  let api: ReturnType<typeof ledgerClient>;
  beforeAll(async () => {
    t = await startLedger(mode);
    api = ledgerClient(t);
  });
  afterAll(() => t?.destroy());

  it('walks an artifact through every environment, with approvals, and records every event', async () => {
    const registered = await api.register('com.acme:foas');
    expect(registered.flows).toHaveLength(1);
    const [flow] = registered.flows;
    expect(flow).toMatchObject({ service: 'faas', pipeline: 'devtoprod', status: 'RUNNING' });
    expect(flow.deployments).toHaveLength(1);
    const dev = flow.deployments[0];
    expect(dev).toMatchObject({ environment: 'dev', status: 'CREATED', promotions: [], flowId: flow.id, artifact: { id: registered.id } });

    expect((await api.report(dev.id, 'STARTED')).status).toBe('STARTED');
    // No promotions in dev: VERIFIED in the same transaction as the report.
    expect((await api.report(dev.id, 'COMPLETED')).status).toBe('VERIFIED');

    let deployments = (await api.flow(flow.id)).deployments;
    expect(deployments.map((d: any) => [d.environment, d.status])).toEqual([
      ['dev', 'VERIFIED'],
      ['integ', 'CREATED'],
    ]);
    expect((await api.report(deployments[1].id, 'COMPLETED')).status).toBe('VERIFIED');

    deployments = (await api.flow(flow.id)).deployments;
    const preprod = deployments[2];
    expect(preprod).toMatchObject({ environment: 'preprod', status: 'CREATED' });
    expect(preprod.promotions).toMatchObject([{ promotion: 'pair-review', type: 'manual', status: 'NOT_STARTED', actor: null }]);

    const completed = await api.report(preprod.id, 'COMPLETED');
    expect(completed.status).toBe('COMPLETED');
    expect(completed.promotions[0].status).toBe('STARTED');

    // Two distinct approvers are required; carol is not among the approvers.
    await api.approve('carol', preprod.id, 'pair-review', 403);
    const first = await api.approve('alice', preprod.id, 'pair-review');
    expect(first).toMatchObject({ status: 'STARTED', evidence: { approvals: [{ actor: 'alice' }], required: 2 } });
    expect((await api.deployment(preprod.id)).status).toBe('COMPLETED');
    const second = await api.approve('bob', preprod.id, 'pair-review');
    expect(second).toMatchObject({ status: 'SUCCESS', actor: 'bob' });
    expect(second.evidence.approvals.map((a: any) => a.actor)).toEqual(['alice', 'bob']);
    expect((await api.deployment(preprod.id)).status).toBe('VERIFIED');

    deployments = (await api.flow(flow.id)).deployments;
    const prod = deployments[3];
    expect(prod).toMatchObject({ environment: 'prod', status: 'CREATED' });
    await api.report(prod.id, 'COMPLETED');
    const live = await api.approve('carol', prod.id, 'go-live');
    expect(live).toMatchObject({ status: 'SUCCESS', actor: 'carol' });

    const finished = await api.flow(flow.id);
    expect(finished.status).toBe('SUCCESS');
    expect(finished.deployments.map((d: any) => d.status)).toEqual(['VERIFIED', 'VERIFIED', 'VERIFIED', 'VERIFIED']);

    const current = await api.call('reader', 'GET', '/api/environments/prod/services', undefined, 200);
    expect(current).toEqual([
      { service: 'faas', artifact: registered.flows[0].artifact, deploymentId: prod.id, status: 'VERIFIED', since: expect.any(String) },
    ]);
    const perEnvironment = await api.call('reader', 'GET', '/api/services/faas/environments', undefined, 200);
    expect(perEnvironment.map((e: any) => [e.environment, e.current?.id ?? null, e.inFlight])).toEqual([
      ['dev', dev.id, null],
      ['integ', deployments[1].id, null],
      ['preprod', preprod.id, null],
      ['prod', prod.id, null],
    ]);

    const events = (await outboxEvents(t)).filter((e) => e.subject.startsWith('deployments/') || e.subject === `flows/${flow.id}` || e.subject === `artifacts/${registered.id}`);
    const ofThisFlow = events.filter((e) => e.subject.startsWith('artifacts/') || e.subject.startsWith('flows/') || (e.data.deployment ?? e.data).flowId === flow.id);
    expect(ofThisFlow.map((e) => `${e.type.replace('deploydb.', '')} ${e.subject.split('/')[0]}`)).toEqual([
      'artifact.created artifacts',
      'deployment.created deployments',
      'deployment.started deployments',
      'deployment.completed deployments',
      'deployment.verified deployments',
      'deployment.created deployments',
      'deployment.completed deployments',
      'deployment.verified deployments',
      'deployment.created deployments',
      'deployment.completed deployments',
      'promotion.completed deployments',
      'deployment.verified deployments',
      'deployment.created deployments',
      'deployment.completed deployments',
      'promotion.completed deployments',
      'deployment.verified deployments',
      'flow.completed flows',
    ]);
    const flowCompleted = ofThisFlow.at(-1)!;
    expect(flowCompleted).toMatchObject({ specversion: '1.0', source: 'deploydb', datacontenttype: 'application/json', data: { id: flow.id, status: 'SUCCESS' } });
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('starts a flow per pipeline of every service listing the module', async () => {
    const registered = await api.register('com.acme:billing');
    expect(registered.flows.map((f: any) => [f.service, f.pipeline, f.deployments[0].environment])).toEqual([
      ['billing', 'devtoprod', 'dev'],
      ['billing', 'hotfix', 'dev'],
    ]);
  });

  it('fails the deployment and the flow on a rejection, which needs a reason', async () => {
    const { flows } = await api.register('com.acme:puppet-foas');
    let id = flows[0].deployments[0].id;
    for (let stage = 0; stage < 2; stage++) {
      await api.report(id, 'COMPLETED');
      id = (await api.flow(flows[0].id)).deployments[stage + 1].id;
    }
    await api.report(id, 'COMPLETED');
    const noReason = await api.call('alice', 'POST', `/api/deployments/${id}/promotions`, { name: 'pair-review', status: 'FAILED' }, 422);
    expect(noReason.error).toMatchObject({ code: 'validation_failed', details: [{ path: '/reason' }] });
    const rejected = await api.call('alice', 'POST', `/api/deployments/${id}/promotions`, { name: 'pair-review', status: 'FAILED', reason: 'smoke tests red' }, 201);
    expect(rejected).toMatchObject({ status: 'FAILED', actor: 'alice', reason: 'smoke tests red' });
    const failed = await api.deployment(id);
    expect(failed.status).toBe('FAILED');
    expect((await api.flow(flows[0].id)).status).toBe('FAILED');
    // A repeat of a status it had answers with the current state; a contradicting one is 409.
    expect((await api.report(id, 'COMPLETED')).status).toBe('FAILED');
    const contradiction = await api.report(id, 'STARTED', 409);
    expect(contradiction.error.code).toBe('invalid_transition');
    // Nothing moves on after a failure.
    expect((await api.flow(flows[0].id)).deployments).toHaveLength(3);
  });
});
