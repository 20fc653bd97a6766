/**
 * Promotion results reported over the API in full flows: JenkinsPromotion callbacks from CI (in
 * report mode, and while trigger-mode builds are being polled) and manual approvals/rejections.
 */
import { describe, expect, it } from 'vitest';
import { databaseModes } from './support/fixtures.js';
import { expectError, expectInvalid } from './support/apiHelpers.js';
import {
  registerOne,
  usePromotionKernel,
  waitFor,
  type PromotionApi,
} from './support/promotionLedger.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(await databaseModes())('promotion results reported over the API (%s database)', (mode) => {
  const f = usePromotionKernel(mode);

  const post = (who: Parameters<PromotionApi['send']>[0], id: number, body: Record<string, unknown>) => f.api.send(who, 'POST', `/api/deployments/${id}/promotions`, body);

  describe('JenkinsPromotion', () => {
    it('in report mode, waits for CI, whose callback settles it at once', async () => {
      const { jenkins } = f.servers;
      const { flow, first: integ } = await registerOne(f.api, 'com.acme:qa');
      expect(integ.promotions).toMatchObject([{ promotion: 'qa-signoff', type: 'JenkinsPromotion', status: 'NOT_STARTED' }]);
      // Before COMPLETED: 409, nothing recorded.
      expectError(await post('ci', integ.id, { name: 'qa-signoff', status: 'SUCCESS' }), 409, 'invalid_transition');
      expect(f.api.result(await f.api.deployment(integ.id), 'qa-signoff').status).toBe('NOT_STARTED');

      await f.api.report(integ.id, 'COMPLETED');
      const waiting = await f.api.resultWhere(integ.id, 'qa-signoff', (r) => r.evidence !== null);
      expect(waiting).toMatchObject({
        status: 'STARTED',
        evidence: { mode: 'report', unreachableSince: null, jobs: [{ job: 'qa-signoff', queueUrl: null, buildUrl: null, result: null, error: null }] },
      });
      // Only ci (and admin) report Jenkins results; an unknown promotion is 404.
      expectError(await post('alice', integ.id, { name: 'qa-signoff', status: 'SUCCESS' }), 403, 'forbidden');
      expectError(await post('reader', integ.id, { name: 'qa-signoff', status: 'SUCCESS' }), 403, 'forbidden');
      expectError(await post('ci', integ.id, { name: 'no-such-promotion', status: 'SUCCESS' }), 404, 'not_found');
      expect(f.api.result(await f.api.deployment(integ.id), 'qa-signoff')).toEqual(waiting);

      const infoUrl = `${jenkins.url}/job/qa-signoff/41/`;
      const reported = await f.api.reportPromotion('ci', integ.id, { name: 'qa-signoff', status: 'SUCCESS', infoUrl }, 201);
      expect(reported).toMatchObject({ id: waiting.id, promotion: 'qa-signoff', status: 'SUCCESS', infoUrl, actor: 'ci', reason: null });
      // At once: no wait for the worker.
      expect((await f.api.deployment(integ.id)).status).toBe('VERIFIED');
      expect((await f.api.flow(flow.id)).status).toBe('SUCCESS');
      // A repeat answers as the first did and changes nothing.
      const repeat = await f.api.reportPromotion('ci', integ.id, { name: 'qa-signoff', status: 'SUCCESS', infoUrl }, 201);
      expect(repeat).toEqual(await f.api.get(`/api/deployments/${integ.id}/promotions/${waiting.id}`));
      expect(repeat).toMatchObject({ status: 'SUCCESS', infoUrl, actor: 'ci' });
      // DeployDB itself never called Jenkins for it.
      expect(jenkins.requests.filter((r) => r.includes('qa-signoff'))).toEqual([]);
    });

    it('in report mode, fails on a FAILED callback, with a default reason naming the reporter', async () => {
      const { flow, first: integ } = await registerOne(f.api, 'com.acme:qa');
      await f.api.report(integ.id, 'COMPLETED');
      const reported = await f.api.reportPromotion('ci', integ.id, { name: 'qa-signoff', status: 'FAILED', infoUrl: 'https://ci.acme.test/job/qa-signoff/42/' }, 201);
      expect(reported).toMatchObject({ status: 'FAILED', reason: 'reported FAILED by ci', infoUrl: 'https://ci.acme.test/job/qa-signoff/42/', actor: 'ci' });
      expect((await f.api.deployment(integ.id)).status).toBe('FAILED');
      expect((await f.api.flow(flow.id)).status).toBe('FAILED');
    });

    it('in trigger mode, is settled at once by a callback while its build is being polled, and polling stops', async () => {
      const { jenkins } = f.servers;
      const { flow, first: integ } = await registerOne(f.api, 'com.acme:soak');
      await f.api.report(integ.id, 'COMPLETED');
      // The build runs (it never finishes by itself) and is being polled.
      const polled = await f.api.resultWhere(integ.id, 'soak', (r) => r.evidence?.jobs?.[0]?.buildUrl != null);
      expect(polled).toMatchObject({ status: 'STARTED', evidence: { mode: 'trigger', jobs: [{ job: 'soak-test', result: null, error: null }] } });
      const buildUrl: string = polled.evidence.jobs[0].buildUrl;
      expect(buildUrl).toMatch(new RegExp(`^${jenkins.url}/job/soak-test/\\d+/$`));
      const buildPath = new URL(`${buildUrl}api/json`).pathname;
      await waitFor('a poll of the running build', async () => jenkins.requests.filter((r) => r === `GET ${buildPath}`).length, (n) => n >= 1);

      const reported = await f.api.reportPromotion('ci', integ.id, { name: 'soak', status: 'SUCCESS', infoUrl: buildUrl }, 201);
      expect(reported).toMatchObject({ status: 'SUCCESS', infoUrl: buildUrl, actor: 'ci' });
      const pollsAtReport = jenkins.requests.filter((r) => r === `GET ${buildPath}`).length;
      expect((await f.api.deployment(integ.id)).status).toBe('VERIFIED');
      const prod = await f.api.latest(flow.id);
      expect(prod).toMatchObject({ environment: 'prod', status: 'CREATED', promotions: [] });

      // An evaluation in flight when the report landed changes nothing; no more polling.
      await sleep(1500);
      const after = await f.api.deployment(integ.id);
      expect(after.status).toBe('VERIFIED');
      expect(f.api.result(after, 'soak')).toMatchObject({ status: 'SUCCESS', infoUrl: buildUrl, actor: 'ci', reason: null });
      const pollsAfter = jenkins.requests.filter((r) => r === `GET ${buildPath}`).length;
      expect(pollsAfter - pollsAtReport, 'at most the poll that was in flight').toBeLessThanOrEqual(1);
      expect(jenkins.triggersOf('soak-test').filter((r) => r.parameters.DEPLOYMENT_ID === String(integ.id))).toHaveLength(1);
    });
  });

  describe('manual', () => {
    it('takes approvals only from its approvers once COMPLETED; a rejection needs a reason and fails the flow', async () => {
      const { flow, first: prod } = await registerOne(f.api, 'com.acme:signoff');
      expect(prod).toMatchObject({ environment: 'prod', status: 'CREATED' });
      expect(prod.promotions).toMatchObject([{ promotion: 'go-live', type: 'manual', status: 'NOT_STARTED' }]);
      // Checked in order: 403 before 409.
      expectError(await post('bob', prod.id, { name: 'go-live', status: 'SUCCESS' }), 403, 'forbidden');
      expectError(await post('alice', prod.id, { name: 'go-live', status: 'SUCCESS' }), 409, 'invalid_transition');
      expect(await f.api.deployment(prod.id)).toMatchObject({ status: 'CREATED', promotions: [{ status: 'NOT_STARTED', actor: null }] });

      await f.api.report(prod.id, 'COMPLETED');
      const waiting = await f.api.resultWhere(prod.id, 'go-live', (r) => r.evidence !== null);
      expect(waiting).toMatchObject({ status: 'STARTED', actor: null, evidence: { approvals: [], required: 1 } });
      expectError(await post('bob', prod.id, { name: 'go-live', status: 'SUCCESS' }), 403, 'forbidden');
      expectError(await post('reader', prod.id, { name: 'go-live', status: 'SUCCESS' }), 403, 'forbidden');
      expectError(await post('ci', prod.id, { name: 'go-live', status: 'SUCCESS' }), 403, 'forbidden');
      expectInvalid(await post('alice', prod.id, { name: 'go-live', status: 'FAILED' }), '/reason');
      const unchanged = await f.api.deployment(prod.id);
      expect(unchanged.status).toBe('COMPLETED');
      expect(f.api.result(unchanged, 'go-live')).toEqual(waiting);

      const rejected = await f.api.reportPromotion('alice', prod.id, { name: 'go-live', status: 'FAILED', reason: 'error rate up' }, 201);
      expect(rejected).toMatchObject({ status: 'FAILED', actor: 'alice', reason: 'error rate up', evidence: { rejectedBy: { actor: 'alice', reason: 'error rate up' } } });
      expect((await f.api.deployment(prod.id)).status).toBe('FAILED');
      const failed = await f.api.flow(flow.id);
      expect(failed.status).toBe('FAILED');
      expect(failed.deployments).toHaveLength(1);
      // Settled: a later approval is a conflict and changes nothing.
      expectError(await post('alice', prod.id, { name: 'go-live', status: 'SUCCESS' }), 409, 'invalid_transition');
      expect(f.api.result(await f.api.deployment(prod.id), 'go-live')).toMatchObject({ status: 'FAILED', actor: 'alice' });
    });

    it('passes on an approval from an approver, and an admin may always approve', async () => {
      const first = await registerOne(f.api, 'com.acme:signoff');
      await f.api.report(first.first.id, 'COMPLETED');
      expect(await f.api.approve('alice', first.first.id, 'go-live')).toMatchObject({ status: 'SUCCESS', actor: 'alice' });
      expect((await f.api.deployment(first.first.id)).status).toBe('VERIFIED');
      expect((await f.api.flow(first.flow.id)).status).toBe('SUCCESS');

      const second = await registerOne(f.api, 'com.acme:signoff');
      await f.api.report(second.first.id, 'COMPLETED');
      expect(await f.api.approve('ops', second.first.id, 'go-live')).toMatchObject({ status: 'SUCCESS', actor: 'ops' });
      expect((await f.api.deployment(second.first.id)).status).toBe('VERIFIED');
    });
  });
});
