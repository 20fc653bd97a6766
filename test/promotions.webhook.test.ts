/**
 * WebhookPromotion in full flows against local health endpoints: every host probed, failed
 * rounds retried `retries` times `interval` apart, then FAILED naming the host and why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseModes } from './support/fixtures.js';
import { expectError } from './support/apiHelpers.js';
import {
  PROBE,
  registerOne,
  usePromotionKernel,
  type PromotionApi,
} from './support/promotionLedger.js';

const ATTEMPTS = PROBE.retries + 1;

describe.each(await databaseModes())('WebhookPromotion flows against health endpoints (%s database)', (mode) => {
  const f = usePromotionKernel(mode);
  afterEach(() => {
    f.servers.hostA.reset();
    f.servers.hostB.reset();
  });

  const post = (who: Parameters<PromotionApi['send']>[0], id: number, body: Record<string, unknown>) => f.api.send(who, 'POST', `/api/deployments/${id}/promotions`, body);

  /** Registers a module whose flow starts in a stage with `status-check`, reports it COMPLETED, and waits for the verdict. */
  async function probeFlow(module: string, environment: string) {
    const { artifact, flow, first } = await registerOne(f.api, module);
    expect(first).toMatchObject({ environment, status: 'CREATED', promotions: [{ promotion: 'status-check', type: 'WebhookPromotion', status: 'NOT_STARTED' }] });
    const from = Date.now();
    const completed = await f.api.report(first.id, 'COMPLETED');
    expect(completed).toMatchObject({ status: 'COMPLETED', promotions: [{ status: 'STARTED' }] });
    const done = await f.api.settledDeployment(first.id);
    return { artifact, flow, deployment: done, result: f.api.result(done, 'status-check'), from };
  }

  /** The flow failed with the deployment, and did not move on. */
  async function expectStopped(flowId: number) {
    const failed = await f.api.flow(flowId);
    expect(failed.status).toBe('FAILED');
    expect(failed.deployments.map((d: any) => d.status)).toEqual(['FAILED']);
  }

  it('passes when every host answers 200, and the flow moves on; its result cannot be reported', async () => {
    const { hostA, hostB } = f.servers;
    const { flow, deployment, result, from } = await probeFlow('com.acme:probe', 'preprod');
    expect(deployment.status, JSON.stringify(result)).toBe('VERIFIED');
    expect(result).toMatchObject({ status: 'SUCCESS', reason: null, infoUrl: `${hostA.url}/app/healthcheck` });
    expect(result.evidence).toEqual({
      policy: 'all',
      attempts: 1,
      hosts: [
        { url: `${hostA.url}/app/healthcheck`, status: 200, error: null, ms: expect.any(Number) },
        { url: `${hostB.url}/healthcheck`, status: 200, error: null, ms: expect.any(Number) },
      ],
    });
    expect(hostA.hits('/app/healthcheck', from)).toHaveLength(1);
    expect(hostB.hits('/healthcheck', from)).toHaveLength(1);
    expect(await f.api.latest(flow.id)).toMatchObject({ environment: 'prod', status: 'CREATED', promotions: [] });

    for (const who of ['ci', 'ops'] as const) {
      const refused = expectError(await post(who, deployment.id, { name: 'status-check', status: 'FAILED', reason: 'no' }), 409, 'not_reportable');
      expect(refused.message).toContain('status-check');
    }
    expect(f.api.result(await f.api.deployment(deployment.id), 'status-check')).toEqual(result);
  });

  it('retries a host answering 500, then fails naming it', async () => {
    const { hostA, hostB } = f.servers;
    hostB.status = 500;
    const { flow, deployment, result, from } = await probeFlow('com.acme:probe', 'preprod');
    expect(deployment.status, JSON.stringify(result)).toBe('FAILED');
    const failing = `${hostB.url}/healthcheck`;
    expect(result).toMatchObject({ status: 'FAILED', infoUrl: failing });
    expect(result.reason).toBe(`1 of 2 probes did not get status 200 after ${ATTEMPTS} attempts: ${failing}: got status 500, expected 200`);
    expect(result.evidence).toEqual({
      policy: 'all',
      attempts: ATTEMPTS,
      hosts: [
        { url: `${hostA.url}/app/healthcheck`, status: 200, error: null, ms: expect.any(Number) },
        { url: failing, status: 500, error: 'got status 500, expected 200', ms: expect.any(Number) },
      ],
    });
    // One probe per round, retried `retries` times at least `interval` apart.
    const rounds = hostB.hits('/healthcheck', from);
    expect(rounds).toHaveLength(ATTEMPTS);
    for (let i = 1; i < rounds.length; i++) expect(rounds[i]!.at - rounds[i - 1]!.at).toBeGreaterThanOrEqual(PROBE.interval * 1000 - 50);
    expect(hostA.hits('/app/healthcheck', from)).toHaveLength(ATTEMPTS);
    await expectStopped(flow.id);
  });

  it('probes again `interval` seconds after a failed round (0.2 s here)', async () => {
    const { hostB } = f.servers;
    hostB.status = 500;
    const { result, from } = await probeFlow('com.acme:probe', 'preprod');
    expect(result.status).toBe('FAILED');
    const rounds = hostB.hits('/healthcheck', from).map((r) => r.at);
    expect(rounds).toHaveLength(ATTEMPTS);
    const gaps = rounds.slice(1).map((at, i) => at - rounds[i]!);
    // A round takes a few ms here; allow half a second on top of the interval.
    for (const gap of gaps) expect(gap, `gaps between rounds: ${gaps.join(', ')} ms`).toBeLessThan(PROBE.interval * 1000 + 500);
  });

  it('fails when a host does not answer within the timeout, and refuses reports meanwhile', async () => {
    const { hostB } = f.servers;
    hostB.delayMs = 5_000;
    const { artifact, flow, first } = await registerOne(f.api, 'com.acme:probe');
    await f.api.report(first.id, 'COMPLETED');
    // STARTED (being probed): still not reportable, by anyone.
    expectError(await post('ci', first.id, { name: 'status-check', status: 'SUCCESS' }), 409, 'not_reportable');
    expectError(await post('ops', first.id, { name: 'status-check', status: 'SUCCESS' }), 409, 'not_reportable');
    const done = await f.api.settledDeployment(first.id);
    expect(done.status, JSON.stringify(done.promotions)).toBe('FAILED');
    const result = f.api.result(done, 'status-check');
    const failing = `${hostB.url}/healthcheck`;
    expect(result).toMatchObject({ status: 'FAILED', infoUrl: failing, actor: null });
    expect(result.reason).toBe(`1 of 2 probes did not get status 200 after ${ATTEMPTS} attempts: ${failing}: timed out after ${PROBE.timeout}s`);
    expect(result.evidence.attempts).toBe(ATTEMPTS);
    expect(result.evidence.hosts[1]).toMatchObject({ url: failing, status: null, error: `timed out after ${PROBE.timeout}s` });
    expect(result.evidence.hosts[1].ms).toBeGreaterThanOrEqual(PROBE.timeout * 1000 - 50);
    expect(result.evidence.hosts[1].ms).toBeLessThan(5_000);
    await expectStopped(flow.id);
    expect((await f.api.get(`/api/deployments?artifact=${artifact.id}`)).items).toHaveLength(1);
  });

  it('fails when a host refuses connections', async () => {
    const { hostA, closed } = f.servers;
    const { flow, deployment, result } = await probeFlow('com.acme:canary', 'canary');
    expect(deployment.status, JSON.stringify(result)).toBe('FAILED');
    const failing = `${closed}/healthcheck`;
    expect(result).toMatchObject({ status: 'FAILED', infoUrl: failing });
    expect(result.reason).toBe(`1 of 2 probes did not get status 200 after ${ATTEMPTS} attempts: ${failing}: connection refused`);
    expect(result.evidence).toEqual({
      policy: 'all',
      attempts: ATTEMPTS,
      hosts: [
        { url: `${hostA.url}/healthcheck`, status: 200, error: null, ms: expect.any(Number) },
        { url: failing, status: null, error: 'connection refused', ms: expect.any(Number) },
      ],
    });
    await expectStopped(flow.id);
  });
});
