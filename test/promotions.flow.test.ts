/**
 * Full flows through the three promotion types against real HTTP: a stand-in Jenkins for
 * JenkinsPromotion, local health endpoints for WebhookPromotion, approvals for manual.
 */
import { describe, expect, it } from 'vitest';
import { databaseModes } from './support/fixtures.js';
import { expectError } from './support/apiHelpers.js';
import { outboxEvents } from './support/client.js';
import {
  JENKINS_CREDENTIALS,
  JENKINS_TIMEOUT,
  SOAK_TIMEOUT,
  registerOne,
  usePromotionKernel,
} from './support/promotionLedger.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(await databaseModes())('promotion flows through Jenkins, health probes and approvals (%s database)', (mode) => {
  const f = usePromotionKernel(mode);

  /** Registers a faas artifact and reports dev COMPLETED: the integ deployment is CREATED. */
  async function toInteg() {
    const { artifact, flow, first: dev } = await registerOne(f.api, 'com.acme:foas');
    expect(dev).toMatchObject({ environment: 'dev', status: 'CREATED', promotions: [] });
    expect((await f.api.report(dev.id, 'COMPLETED')).status).toBe('VERIFIED');
    const integ = await f.api.latest(flow.id);
    expect(integ).toMatchObject({ environment: 'integ', status: 'CREATED' });
    return { artifact, flow, dev, integ };
  }

  it('passes Jenkins jobs, probes of every host and an approval, and the flow succeeds', async () => {
    const { jenkins, hostA, hostB } = f.servers;
    const { artifact, flow, integ } = await toInteg();

    // integ: JenkinsPromotion in trigger mode.
    expect(integ.promotions).toMatchObject([{ promotion: 'jenkins-smoke', type: 'JenkinsPromotion', status: 'NOT_STARTED', infoUrl: null, reason: null, actor: null }]);
    const integCompleted = await f.api.report(integ.id, 'COMPLETED');
    expect(integCompleted.status).toBe('COMPLETED');
    expect(integCompleted.promotions[0].status).toBe('STARTED');
    const integDone = await f.api.settledDeployment(integ.id);
    expect(integDone.status, JSON.stringify(integDone.promotions)).toBe('VERIFIED');
    const smoke = f.api.result(integDone, 'jenkins-smoke');
    expect(smoke).toMatchObject({ status: 'SUCCESS', reason: null });
    expect(smoke.evidence).toEqual({
      mode: 'trigger',
      unreachableSince: null,
      jobs: ['basic-smokes-test', 'basic-perf-test'].map((job) => ({
        job,
        queueUrl: expect.stringMatching(new RegExp(`^${jenkins.url}/queue/item/\\d+/$`)),
        buildUrl: expect.stringMatching(new RegExp(`^${jenkins.url}/job/${job}/\\d+/$`)),
        result: 'SUCCESS',
        error: null,
      })),
    });
    expect(smoke.infoUrl, 'infoUrl on success is the first job\'s build').toBe(smoke.evidence.jobs[0].buildUrl);
    // Each job triggered once, with the deployment as parameters, Basic auth and the crumb.
    const triggers = jenkins.triggers.filter((r) => r.parameters.DEPLOYMENT_ID === String(integ.id));
    expect(triggers.map((r) => r.job).sort()).toEqual(['basic-perf-test', 'basic-smokes-test']);
    for (const trigger of triggers) {
      expect(trigger.parameters).toEqual({
        SUITE: 'fast',
        ARTIFACT_GROUP: artifact.group,
        ARTIFACT_NAME: artifact.name,
        ARTIFACT_VERSION: artifact.version,
        SERVICE: 'faas',
        ENVIRONMENT: 'integ',
        DEPLOYMENT_ID: String(integ.id),
      });
      expect(trigger.auth).toBe(`${JENKINS_CREDENTIALS.user}:${JENKINS_CREDENTIALS.token}`);
    }
    expect(triggers.find((r) => r.job === 'basic-smokes-test')?.crumb).toBe('c0ffee-crumb');
    const oneResult = await f.api.get(`/api/deployments/${integ.id}/promotions/${smoke.id}`);
    expect(oneResult).toEqual(smoke);

    // preprod: WebhookPromotion on both hosts (one with a path of its own).
    const preprod = await f.api.latest(flow.id);
    expect(preprod).toMatchObject({ environment: 'preprod', status: 'CREATED' });
    expect(preprod.promotions).toMatchObject([{ promotion: 'status-check', type: 'WebhookPromotion', status: 'NOT_STARTED' }]);
    const probedFrom = Date.now();
    await f.api.report(preprod.id, 'COMPLETED');
    const preprodDone = await f.api.settledDeployment(preprod.id);
    expect(preprodDone.status, JSON.stringify(preprodDone.promotions)).toBe('VERIFIED');
    const check = f.api.result(preprodDone, 'status-check');
    expect(check).toMatchObject({ status: 'SUCCESS', reason: null, infoUrl: `${hostA.url}/app/healthcheck` });
    expect(check.evidence).toEqual({
      policy: 'all',
      attempts: 1,
      hosts: [
        { url: `${hostA.url}/app/healthcheck`, status: 200, error: null, ms: expect.any(Number) },
        { url: `${hostB.url}/healthcheck`, status: 200, error: null, ms: expect.any(Number) },
      ],
    });
    expect(hostA.hits('/app/healthcheck', probedFrom).map((r) => [r.method, r.userAgent])).toEqual([['GET', 'deploydb-promotion-webhook']]);
    expect(hostB.hits('/healthcheck', probedFrom)).toHaveLength(1);

    // prod: a manual approval by alice, the only approver.
    const prod = await f.api.latest(flow.id);
    expect(prod).toMatchObject({ environment: 'prod', status: 'CREATED' });
    expect(prod.promotions).toMatchObject([{ promotion: 'go-live', type: 'manual', status: 'NOT_STARTED' }]);
    const early = await f.api.send('alice', 'POST', `/api/deployments/${prod.id}/promotions`, { name: 'go-live', status: 'SUCCESS' });
    expectError(early, 409, 'invalid_transition');
    await f.api.report(prod.id, 'COMPLETED');
    // The worker records that approvals are awaited; then outsiders change nothing.
    const waiting = await f.api.resultWhere(prod.id, 'go-live', (r) => r.evidence !== null);
    expect(waiting).toMatchObject({ status: 'STARTED', actor: null, evidence: { approvals: [], required: 1 } });
    expectError(await f.api.send('bob', 'POST', `/api/deployments/${prod.id}/promotions`, { name: 'go-live', status: 'SUCCESS' }), 403, 'forbidden');
    expectError(await f.api.send('reader', 'POST', `/api/deployments/${prod.id}/promotions`, { name: 'go-live', status: 'SUCCESS' }), 403, 'forbidden');
    const untouched = await f.api.deployment(prod.id);
    expect(untouched.status).toBe('COMPLETED');
    expect(f.api.result(untouched, 'go-live')).toEqual(waiting);
    const approved = await f.api.approve('alice', prod.id, 'go-live');
    expect(approved).toMatchObject({ status: 'SUCCESS', actor: 'alice', evidence: { approvals: [{ actor: 'alice', at: expect.any(String) }], required: 1 } });

    expect((await f.api.deployment(prod.id)).status).toBe('VERIFIED');
    const finished = await f.api.flow(flow.id);
    expect(finished.status).toBe('SUCCESS');
    expect(finished.deployments.map((d: any) => [d.environment, d.status])).toEqual([
      ['dev', 'VERIFIED'],
      ['integ', 'VERIFIED'],
      ['preprod', 'VERIFIED'],
      ['prod', 'VERIFIED'],
    ]);
    // Every settled result is reported once, in the order they settled, with its evidence.
    const completions = (await outboxEvents(f.t)).filter((e) => e.type === 'deploydb.promotion.completed' && e.data.deployment.flowId === flow.id);
    expect(completions.map((e) => [e.data.deployment.environment, e.data.promotionResult.promotion, e.data.promotionResult.status])).toEqual([
      ['integ', 'jenkins-smoke', 'SUCCESS'],
      ['preprod', 'status-check', 'SUCCESS'],
      ['prod', 'go-live', 'SUCCESS'],
    ]);
    expect(completions[0]!.data.promotionResult.evidence).toEqual(smoke.evidence);
  });

  it('fails the deployment and the flow when a Jenkins job fails, pointing at the failing build', async () => {
    const { jenkins } = f.servers;
    jenkins.job('basic-perf-test', { result: 'FAILURE' });
    try {
      const { artifact, flow, integ } = await toInteg();
      await f.api.report(integ.id, 'COMPLETED');
      const done = await f.api.settledDeployment(integ.id);
      expect(done.status, JSON.stringify(done.promotions)).toBe('FAILED');
      const smoke = f.api.result(done, 'jenkins-smoke');
      expect(smoke.status).toBe('FAILED');
      const failing = smoke.evidence.jobs.find((j: any) => j.job === 'basic-perf-test');
      expect(failing).toMatchObject({ result: 'FAILURE', buildUrl: expect.stringMatching(new RegExp(`^${jenkins.url}/job/basic-perf-test/\\d+/$`)) });
      expect(smoke.infoUrl, 'infoUrl is the failing build').toBe(failing.buildUrl);
      expect(smoke.reason).toBe(`1 of 2 Jenkins jobs did not succeed: job basic-perf-test finished FAILURE (${failing.buildUrl})`);
      expect(smoke.evidence.jobs.find((j: any) => j.job === 'basic-smokes-test')).toMatchObject({ result: 'SUCCESS' });

      expect((await f.api.flow(flow.id)).status).toBe('FAILED');
      // Nothing moves on: no preprod deployment, now or a moment later.
      await sleep(500);
      const deployments = (await f.api.get(`/api/deployments?artifact=${artifact.id}`)).items;
      expect(deployments.map((d: any) => [d.environment, d.status])).toEqual([
        ['dev', 'VERIFIED'],
        ['integ', 'FAILED'],
      ]);
      // A repeated COMPLETED answers with the current state.
      expect((await f.api.report(integ.id, 'COMPLETED')).status).toBe('FAILED');
    } finally {
      jenkins.job('basic-perf-test', { result: 'SUCCESS' });
    }
  });

  it('fails a Jenkins promotion once Jenkins has been unreachable for longer than its timeout', async () => {
    const { jenkins } = f.servers;
    const jenkinsUrl = jenkins.url;
    const { flow, integ } = await toInteg();
    const triggersBefore = jenkins.triggers.length;
    await jenkins.stop();
    try {
      const completedAt = Date.now();
      await f.api.report(integ.id, 'COMPLETED');
      const done = await f.api.settledDeployment(integ.id);
      expect(done.status, JSON.stringify(done.promotions)).toBe('FAILED');
      const smoke = f.api.result(done, 'jenkins-smoke');
      expect(smoke.status).toBe('FAILED');
      expect(smoke.reason).toMatch(new RegExp(`^Jenkins at ${jenkinsUrl} was unreachable for .+ \\(since .+, timeout ${JENKINS_TIMEOUT}s\\); last error: .*connection refused`));
      expect(smoke.infoUrl).toBeNull();
      expect(smoke.evidence).toMatchObject({ mode: 'trigger', unreachableSince: expect.any(String) });
      expect(Date.parse(smoke.evidence.unreachableSince)).toBeGreaterThanOrEqual(completedAt - 50);
      expect(Date.parse(smoke.updatedAt) - completedAt, 'failed only after the timeout').toBeGreaterThanOrEqual(JENKINS_TIMEOUT * 1000);
      expect((await f.api.flow(flow.id)).status).toBe('FAILED');
      expect((await f.api.flow(flow.id)).deployments).toHaveLength(2);
    } finally {
      await jenkins.start();
    }
    expect(jenkins.triggers.length, 'nothing reached the stopped Jenkins').toBe(triggersBefore);
  });

  it('rides out a Jenkins outage shorter than the promotion\'s own timeout, without triggering again', async () => {
    const { jenkins } = f.servers;
    expect(SOAK_TIMEOUT, 'the outage below outlasts the plugin config\'s timeout only').toBeGreaterThan(JENKINS_TIMEOUT + 2);
    const { flow, first: integ } = await registerOne(f.api, 'com.acme:soak');
    await f.api.report(integ.id, 'COMPLETED');
    const running = await f.api.resultWhere(integ.id, 'soak', (r) => r.evidence?.jobs?.[0]?.buildUrl != null);
    const buildUrl: string = running.evidence.jobs[0].buildUrl;
    try {
      await jenkins.stop();
      try {
        const down = await f.api.resultWhere(integ.id, 'soak', (r) => r.evidence?.unreachableSince != null);
        expect(down).toMatchObject({ status: 'STARTED', infoUrl: buildUrl });
        // The build finishes at its next poll, once Jenkins answers again.
        jenkins.job('soak-test', { buildPolls: 0 });
        // Longer than the plugin config's timeout, shorter than the promotion's.
        await sleep((JENKINS_TIMEOUT + 0.5) * 1000);
        expect(f.api.result(await f.api.deployment(integ.id), 'soak').status).toBe('STARTED');
      } finally {
        await jenkins.start();
      }
      const done = await f.api.settledDeployment(integ.id);
      expect(done.status, JSON.stringify(done.promotions)).toBe('VERIFIED');
      const soak = f.api.result(done, 'soak');
      expect(soak).toMatchObject({ status: 'SUCCESS', infoUrl: buildUrl, reason: null });
      expect(soak.evidence).toMatchObject({ unreachableSince: null, jobs: [{ job: 'soak-test', buildUrl, result: 'SUCCESS', error: null }] });
      expect(jenkins.triggersOf('soak-test').filter((r) => r.parameters.DEPLOYMENT_ID === String(integ.id))).toHaveLength(1);
      expect(await f.api.latest(flow.id)).toMatchObject({ environment: 'prod', status: 'CREATED' });
    } finally {
      jenkins.job('soak-test', { buildPolls: 1_000_000 });
    }
  });

  it('polls a running build every pollInterval seconds (0.2 s here)', async () => {
    const { jenkins } = f.servers;
    const { first: integ } = await registerOne(f.api, 'com.acme:soak');
    await f.api.report(integ.id, 'COMPLETED');
    const running = await f.api.resultWhere(integ.id, 'soak', (r) => r.evidence?.jobs?.[0]?.buildUrl != null);
    const buildPath = new URL(`${running.evidence.jobs[0].buildUrl}api/json`).pathname;
    const polls = () => jenkins.requests.filter((r) => r === `GET ${buildPath}`).length;
    // Five more polls: at 0.2 s they span at least 0.8 s, and come long before the default
    // interval (5 s) would allow them (20 s). A busy machine may only stretch the gaps.
    const before = polls();
    const started = performance.now();
    await expect.poll(polls, { timeout: 15_000, interval: 20 }).toBeGreaterThanOrEqual(before + 5);
    const elapsed = performance.now() - started;
    await f.api.reportPromotion('ci', integ.id, { name: 'soak', status: 'FAILED', reason: 'measured' }, 201);
    expect(elapsed, 'five polls 0.2 s apart').toBeGreaterThanOrEqual(4 * 200 - 50);
  });

  it('creates a stage\'s promotions, then the service\'s, without repeats, and passes all three types in one deployment', async () => {
    const { hostA } = f.servers;
    const { flow, first: integ } = await registerOne(f.api, 'com.acme:audited');
    // Stage integ: [qa-signoff, go-live]; service: [status-check, go-live].
    expect(integ).toMatchObject({ environment: 'integ', status: 'CREATED' });
    expect(integ.promotions.map((p: any) => [p.promotion, p.type, p.status])).toEqual([
      ['qa-signoff', 'JenkinsPromotion', 'NOT_STARTED'],
      ['go-live', 'manual', 'NOT_STARTED'],
      ['status-check', 'WebhookPromotion', 'NOT_STARTED'],
    ]);
    expect((await f.api.get(`/api/deployments/${integ.id}`)).promotions.map((p: any) => p.promotion)).toEqual(['qa-signoff', 'go-live', 'status-check']);

    const completed = await f.api.report(integ.id, 'COMPLETED');
    expect(completed.promotions.map((p: any) => p.status)).toEqual(['STARTED', 'STARTED', 'STARTED']);
    const probed = await f.api.resultWhere(integ.id, 'status-check', (r) => r.status !== 'STARTED');
    expect(probed).toMatchObject({ status: 'SUCCESS', infoUrl: `${hostA.url}/healthcheck` });
    expect((await f.api.deployment(integ.id)).status).toBe('COMPLETED');
    await f.api.reportPromotion('ci', integ.id, { name: 'qa-signoff', status: 'SUCCESS', infoUrl: 'https://ci.acme.test/job/qa-signoff/1/' }, 201);
    expect((await f.api.deployment(integ.id)).status).toBe('COMPLETED');
    await f.api.approve('alice', integ.id, 'go-live');
    expect((await f.api.deployment(integ.id)).status).toBe('VERIFIED');

    // Stage prod has none of its own: the service's, in the service's order.
    const prod = await f.api.latest(flow.id);
    expect(prod).toMatchObject({ environment: 'prod', status: 'CREATED' });
    expect(prod.promotions.map((p: any) => [p.promotion, p.type, p.status])).toEqual([
      ['status-check', 'WebhookPromotion', 'NOT_STARTED'],
      ['go-live', 'manual', 'NOT_STARTED'],
    ]);
    await f.api.report(prod.id, 'COMPLETED');
    await f.api.approve('alice', prod.id, 'go-live');
    const prodDone = await f.api.settledDeployment(prod.id);
    expect(prodDone.status, JSON.stringify(prodDone.promotions)).toBe('VERIFIED');
    expect(prodDone.promotions.map((p: any) => [p.promotion, p.status])).toEqual([
      ['status-check', 'SUCCESS'],
      ['go-live', 'SUCCESS'],
    ]);
    expect((await f.api.flow(flow.id)).status).toBe('SUCCESS');
  });
});
