import { afterEach, describe, expect, it } from 'vitest';
import type { Caller, PromotionPluginInstance, PromotionReport, Verdict } from '@deploydb/core';
import plugin, { configSchema, resolveConfig, settingsSchema, type JenkinsConfigInput, type JenkinsSettingsInput } from '../src/index.js';
import { environment, evaluationContext, ManualClock, quietLogger } from './context.js';
import { FakeJenkins, type FakeJenkinsOptions } from './fakeJenkins.js';

const fakes: FakeJenkins[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function fakeJenkins(options: FakeJenkinsOptions = {}): Promise<FakeJenkins> {
  const fake = await new FakeJenkins(options).start();
  fakes.push(fake);
  return fake;
}

type Instance = PromotionPluginInstance<JenkinsSettingsInput>;

async function instance(config: JenkinsConfigInput): Promise<Instance> {
  return plugin.create({ config, logger: quietLogger, clock: new ManualClock(), configDir: process.cwd(), deps: {} });
}

interface Run {
  verdict: Verdict;
  evaluations: Verdict[];
}

/**
 * Evaluates as the kernel's worker would: again after each PENDING with `checkAgainIn`, handing
 * back `state` and moving the clock on by `checkAgainIn`, until a verdict (or `max` evaluations).
 */
async function evaluateUntilSettled(
  promotion: Instance,
  settings: JenkinsSettingsInput,
  options: { clock?: ManualClock; state?: unknown; max?: number } = {},
): Promise<Run & { state: unknown }> {
  const clock = options.clock ?? new ManualClock();
  let state: unknown = options.state ?? null;
  const evaluations: Verdict[] = [];
  for (let attempt = 1; attempt <= (options.max ?? 50); attempt++) {
    const verdict = await promotion.evaluate(
      evaluationContext('jenkins-smoke', 'JenkinsPromotion', { settings, environment: environment({ key: 'integ' }), state, attempt, clock }),
    );
    evaluations.push(verdict);
    if (verdict.status !== 'PENDING' || verdict.checkAgainIn === undefined) return { verdict, evaluations, state };
    state = verdict.state;
    clock.advance(verdict.checkAgainIn);
  }
  return { verdict: evaluations.at(-1)!, evaluations, state };
}

const reason = (verdict: Verdict) => (verdict.status === 'FAILED' ? verdict.reason : null);

describe('JenkinsPromotion, declaration', () => {
  it('declares its type and strict schemas with the documented defaults', () => {
    expect(plugin.$$type).toBe('@deploydb/plugin');
    expect(plugin.type).toBe('JenkinsPromotion');
    expect(plugin.configSchema).toBe(configSchema);
    const config = JSON.parse(JSON.stringify(configSchema));
    expect(config.additionalProperties).toBe(false);
    expect(config.required).toEqual(['baseUrl']);
    expect(config.properties.pollInterval.default).toBe(5);
    expect(config.properties.timeout.default).toBe(600);
    const settings = JSON.parse(JSON.stringify(settingsSchema));
    expect(settings.additionalProperties).toBe(false);
    expect(settings.required).toEqual(['jobs']);
    expect(settings.properties.jobs.minItems).toBe(1);
    expect(settings.properties.mode.default).toBe('trigger');
  });
});

describe('JenkinsPromotion, trigger mode', () => {
  it('passes when every job succeeds, polling the queue and then the build', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('basic-smokes-test').job('basic-perf-test', { queuePolls: 2, buildPolls: 3 }).job('end2end-smoke-test');
    const promotion = await instance({ baseUrl: jenkins.url });

    const { verdict, evaluations } = await evaluateUntilSettled(promotion, { jobs: ['basic-smokes-test', 'basic-perf-test', 'end2end-smoke-test'] });

    expect(verdict.status).toBe('SUCCESS');
    expect(verdict.infoUrl).toBe(`${jenkins.url}/job/basic-smokes-test/1/`);
    expect(evaluations.length).toBeGreaterThan(2);
    for (const pending of evaluations.slice(0, -1)) expect(pending).toMatchObject({ status: 'PENDING', checkAgainIn: 5 });
    expect(verdict.evidence).toEqual({
      mode: 'trigger',
      unreachableSince: null,
      jobs: ['basic-smokes-test', 'basic-perf-test', 'end2end-smoke-test'].map((job, i) => ({
        job,
        queueUrl: `${jenkins.url}/queue/item/${100 + i}/`,
        buildUrl: `${jenkins.url}/job/${job}/1/`,
        result: 'SUCCESS',
        error: null,
      })),
    });
    expect(jenkins.triggers.map((t) => t.job)).toEqual(['basic-smokes-test', 'basic-perf-test', 'end2end-smoke-test']);
    expect(jenkins.requests).toContain('GET /queue/item/101/api/json');
    expect(jenkins.requests).toContain('GET /job/basic-perf-test/1/api/json');
  });

  it('fails when a job fails, pointing at its build and naming it', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('smoke').job('perf', { result: 'FAILURE' }).job('e2e', { result: 'UNSTABLE', buildPolls: 3 });
    const promotion = await instance({ baseUrl: jenkins.url });

    const { verdict } = await evaluateUntilSettled(promotion, { jobs: ['smoke', 'perf', 'e2e'] });

    expect(verdict.status).toBe('FAILED');
    expect(verdict.infoUrl).toBe(`${jenkins.url}/job/perf/1/`);
    expect(reason(verdict)).toContain(`job perf finished FAILURE (${jenkins.url}/job/perf/1/)`);
    expect(reason(verdict)).toContain('job e2e finished UNSTABLE');
    expect(reason(verdict)).not.toContain('job smoke');
    expect(verdict.evidence).toMatchObject({ jobs: [{ job: 'smoke', result: 'SUCCESS' }, { job: 'perf', result: 'FAILURE' }, { job: 'e2e', result: 'UNSTABLE' }] });
  });

  it('sends the deployment as build parameters, with the promotion\'s own, and Basic auth', async () => {
    const jenkins = await fakeJenkins({ credentials: { user: 'deploydb', token: 's3cret' } });
    jenkins.job('smoke');
    const promotion = await instance({ baseUrl: `${jenkins.url}/`, user: 'deploydb', token: 's3cret' });

    const { verdict } = await evaluateUntilSettled(promotion, {
      jobs: ['smoke'],
      parameters: { SUITE: 'fast', RETRIES: 2, ENVIRONMENT: 'not-this-one' },
    });

    expect(verdict.status).toBe('SUCCESS');
    expect(jenkins.triggers).toEqual([
      {
        job: 'smoke',
        auth: 'deploydb:s3cret',
        crumb: null,
        cookie: null,
        parameters: {
          SUITE: 'fast',
          RETRIES: '2',
          ARTIFACT_GROUP: 'com.github.lookout',
          ARTIFACT_NAME: 'foas',
          ARTIFACT_VERSION: '1.4.2',
          SERVICE: 'faas',
          ENVIRONMENT: 'integ',
          DEPLOYMENT_ID: '7',
        },
      },
    ]);
  });

  it('fails at once when Jenkins refuses the credentials', async () => {
    const jenkins = await fakeJenkins({ credentials: { user: 'deploydb', token: 's3cret' } });
    jenkins.job('smoke');
    const promotion = await instance({ baseUrl: jenkins.url, user: 'deploydb', token: 'wrong' });
    const { verdict, evaluations } = await evaluateUntilSettled(promotion, { jobs: ['smoke'] });
    expect(evaluations).toHaveLength(1);
    expect(verdict.status).toBe('FAILED');
    expect(reason(verdict)).toContain('job smoke could not run');
    expect(reason(verdict)).toContain('answered 401 (check user, token and permissions)');
  });

  it('uses the CSRF crumb (and its session cookie) when Jenkins offers one', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('smoke', { requireCrumb: true });
    const promotion = await instance({ baseUrl: jenkins.url });

    const { verdict } = await evaluateUntilSettled(promotion, { jobs: ['smoke'] });

    expect(verdict.status).toBe('SUCCESS');
    expect(jenkins.triggers).toHaveLength(1);
    expect(jenkins.triggers[0]).toMatchObject({ crumb: 'c0ffee-crumb', cookie: 'JSESSIONID.fake=session-1' });
    expect(jenkins.requests.filter((r) => r === 'GET /crumbIssuer/api/json')).toHaveLength(1);
  });

  it('triggers without a crumb when there is no crumb issuer', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('smoke');
    const { verdict } = await evaluateUntilSettled(await instance({ baseUrl: jenkins.url }), { jobs: ['smoke'] });
    expect(verdict.status).toBe('SUCCESS');
    expect(jenkins.requests[0]).toBe('GET /crumbIssuer/api/json');
    expect(jenkins.triggers[0]).toMatchObject({ crumb: null });
  });

  it('fails a job that does not exist, naming it', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('smoke');
    const { verdict } = await evaluateUntilSettled(await instance({ baseUrl: jenkins.url }), { jobs: ['smoke', 'no-such-job'] });
    expect(verdict.status).toBe('FAILED');
    expect(verdict.infoUrl).toBeNull();
    expect(reason(verdict)).toContain(`job no-such-job could not run: POST ${jenkins.url}/job/no-such-job/buildWithParameters answered 404 (no such job?)`);
  });

  it('triggers jobs in folders', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('team/smoke tests');
    const { verdict } = await evaluateUntilSettled(await instance({ baseUrl: jenkins.url }), { jobs: ['team/smoke tests'] });
    expect(verdict.status).toBe('SUCCESS');
    expect(verdict.infoUrl).toBe(`${jenkins.url}/job/team/job/smoke%20tests/1/`);
  });

  it('fails when a queued build is cancelled', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('smoke', { cancel: true });
    const { verdict } = await evaluateUntilSettled(await instance({ baseUrl: jenkins.url }), { jobs: ['smoke'] });
    expect(verdict.status).toBe('FAILED');
    expect(reason(verdict)).toContain('job smoke finished CANCELLED');
  });

  it('resumes from state after a restart without triggering anything again', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('smoke', { queuePolls: 2, buildPolls: 2 }).job('perf', { queuePolls: 2, buildPolls: 2 });
    const settings = { jobs: ['smoke', 'perf'] };
    const clock = new ManualClock();

    const before = await evaluateUntilSettled(await instance({ baseUrl: jenkins.url }), settings, { clock, max: 2 });
    expect(before.verdict.status).toBe('PENDING');
    const saved = JSON.parse(JSON.stringify(before.evaluations.at(-1)!.status === 'PENDING' ? (before.evaluations.at(-1) as { state: unknown }).state : null));
    expect(saved.jobs.map((j: { queueUrl: string }) => j.queueUrl)).toEqual([`${jenkins.url}/queue/item/100/`, `${jenkins.url}/queue/item/101/`]);

    // The same evaluation retried (e.g. after the worker died) must not trigger again either.
    const fresh = await instance({ baseUrl: jenkins.url });
    const retried = await fresh.evaluate(evaluationContext('jenkins-smoke', 'JenkinsPromotion', { settings, environment: environment(), state: saved, clock }));
    expect(retried.status).toBe('PENDING');

    const after = await evaluateUntilSettled(fresh, settings, { clock, state: saved });
    expect(after.verdict.status).toBe('SUCCESS');
    expect(jenkins.triggersOf('smoke')).toHaveLength(1);
    expect(jenkins.triggersOf('perf')).toHaveLength(1);
    expect(jenkins.requests.filter((r) => r.startsWith('POST'))).toHaveLength(2);
  });

  it('fails once Jenkins has been unreachable for longer than `timeout`, saying so', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('smoke', { buildPolls: 100 });
    const clock = new ManualClock();
    const settings = { jobs: ['smoke'], pollInterval: 1, timeout: 3 };
    const promotion = await instance({ baseUrl: jenkins.url });

    const started = await evaluateUntilSettled(promotion, settings, { clock, max: 3 });
    expect(started.verdict.status).toBe('PENDING');
    const state = (started.verdict as { state: unknown }).state;

    await jenkins.stop();
    const { verdict, evaluations } = await evaluateUntilSettled(promotion, settings, { clock, state });

    // Unreachable at t, t+1, t+2, t+3 (not yet longer than 3s), then failed at t+4.
    expect(evaluations.map((v) => v.status)).toEqual(['PENDING', 'PENDING', 'PENDING', 'PENDING', 'FAILED']);
    expect(evaluations[0]).toMatchObject({ checkAgainIn: 1, state: { unreachableSince: '2025-01-01T00:00:03.000Z' } });
    expect(reason(verdict)).toMatch(new RegExp(`^Jenkins at ${jenkins.url} was unreachable for 4s \\(since 2025-01-01T00:00:03.000Z, timeout 3s\\); last error: GET .*: connection refused$`));
    expect(verdict.infoUrl).toBe(`${jenkins.url}/job/smoke/1/`);
    expect(jenkins.triggers).toHaveLength(1);
  });

  it('treats 5xx and dropped connections as unreachable, and forgets the outage once Jenkins answers again', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('smoke', { down: true }).job('perf', { down: 'reset' });
    const clock = new ManualClock();
    const settings = { jobs: ['smoke', 'perf'], pollInterval: 0.1, timeout: 0.2 };
    const promotion = await instance({ baseUrl: jenkins.url });

    const outage = await evaluateUntilSettled(promotion, settings, { clock, max: 2 });
    expect(outage.evaluations.map((v) => v.status)).toEqual(['PENDING', 'PENDING']);
    expect(outage.verdict).toMatchObject({ state: { unreachableSince: '2025-01-01T00:00:00.000Z' } });
    const lastError = (outage.verdict as { state: { lastError: string } }).state.lastError;
    expect(lastError).toMatch(/answered 503|connection reset/);

    jenkins.job('smoke', { down: false }).job('perf', { down: false });
    const recovered = await evaluateUntilSettled(promotion, settings, { clock, state: (outage.verdict as { state: unknown }).state });
    expect(recovered.evaluations[0]).toMatchObject({ status: 'PENDING', state: { unreachableSince: null, lastError: null } });
    expect(recovered.verdict.status).toBe('SUCCESS');

    jenkins.job('smoke', { down: true });
    const failed = await evaluateUntilSettled(promotion, { jobs: ['smoke'], pollInterval: 0.1, timeout: 0.2 }, { clock });
    expect(failed.verdict.status).toBe('FAILED');
    expect(reason(failed.verdict)).toContain('was unreachable for 0.3s');
    expect(reason(failed.verdict)).toContain('Jenkins answered 503');
  });

  it('takes pollInterval and timeout from the plugin config unless the promotion overrides them', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('smoke');
    const promotion = await instance({ baseUrl: jenkins.url, pollInterval: 2 });
    const first = await promotion.evaluate(evaluationContext('jenkins-smoke', 'JenkinsPromotion', { settings: { jobs: ['smoke'] } }));
    expect(first).toMatchObject({ status: 'PENDING', checkAgainIn: 2 });
    const second = await promotion.evaluate(evaluationContext('jenkins-smoke', 'JenkinsPromotion', { settings: { jobs: ['smoke'], pollInterval: 0.5 } }));
    expect(second).toMatchObject({ status: 'PENDING', checkAgainIn: 0.5 });
    expect(resolveConfig({ baseUrl: 'http://j' })).toEqual({ baseUrl: 'http://j', user: null, token: null, pollInterval: 5, timeout: 600 });
  });

  it('gives up without a verdict when the evaluation is aborted', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('smoke');
    const controller = new AbortController();
    controller.abort(new Error('evaluation timed out'));
    const promotion = await instance({ baseUrl: jenkins.url });
    await expect(
      promotion.evaluate(evaluationContext('jenkins-smoke', 'JenkinsPromotion', { settings: { jobs: ['smoke'] }, signal: controller.signal })),
    ).rejects.toThrow('evaluation timed out');
    expect(jenkins.triggers).toHaveLength(0);
  });
});

describe('JenkinsPromotion, report mode and reporting', () => {
  const ci: Caller = { name: 'jenkins', roles: ['ci'] };
  const approver: Caller = { name: 'alice', roles: ['approver', 'read'] };

  function report(overrides: Partial<PromotionReport>): PromotionReport {
    return { status: 'SUCCESS', infoUrl: null, reason: null, actor: 'jenkins', reportedAt: '2025-01-01T00:00:00.000Z', ...overrides };
  }

  function accept(promotion: Instance, settings: JenkinsSettingsInput, caller: Caller, made: PromotionReport): Verdict {
    const context = evaluationContext('jenkins-smoke', 'JenkinsPromotion', { settings, environment: environment({ key: 'integ' }) });
    return promotion.reporting!.accept({ ...context, caller, report: made });
  }

  it('waits for a report without calling Jenkins', async () => {
    const jenkins = await fakeJenkins();
    jenkins.job('smoke');
    const promotion = await instance({ baseUrl: jenkins.url });
    const verdict = await promotion.evaluate(evaluationContext('jenkins-smoke', 'JenkinsPromotion', { settings: { jobs: ['smoke'], mode: 'report' } }));
    expect(verdict.status).toBe('PENDING');
    expect(verdict.status === 'PENDING' && verdict.checkAgainIn).toBeUndefined();
    expect(verdict.evidence).toMatchObject({ mode: 'report', jobs: [{ job: 'smoke', queueUrl: null, buildUrl: null, result: null }] });
    expect(jenkins.requests).toEqual([]);
  });

  it('lets callers with role ci report, in either mode', async () => {
    const promotion = await instance({ baseUrl: 'http://127.0.0.1:9' });
    expect(promotion.reporting!.mayReport(ci, { jobs: ['smoke'], mode: 'report' })).toBe(true);
    expect(promotion.reporting!.mayReport(ci, { jobs: ['smoke'] })).toBe(true);
    expect(promotion.reporting!.mayReport(approver, { jobs: ['smoke'], mode: 'report' })).toBe(false);
    expect(promotion.reporting!.mayReport({ name: 'reader', roles: ['read'] }, { jobs: ['smoke'] })).toBe(false);
  });

  it('settles from the report: SUCCESS or FAILED, with its infoUrl', async () => {
    const promotion = await instance({ baseUrl: 'http://127.0.0.1:9' });
    const settings = { jobs: ['smoke'], mode: 'report' as const };
    expect(accept(promotion, settings, ci, report({ infoUrl: 'http://jenkins/job/smoke/4/' }))).toMatchObject({
      status: 'SUCCESS',
      infoUrl: 'http://jenkins/job/smoke/4/',
    });
    expect(accept(promotion, settings, ci, report({ status: 'FAILED', reason: '3 smoke tests failed', infoUrl: 'http://jenkins/job/smoke/5/' }))).toEqual({
      status: 'FAILED',
      reason: '3 smoke tests failed',
      infoUrl: 'http://jenkins/job/smoke/5/',
    });
    expect(accept(promotion, { jobs: ['smoke'] }, ci, report({ status: 'FAILED' }))).toEqual({
      status: 'FAILED',
      reason: 'reported FAILED by jenkins',
      infoUrl: null,
    });
  });
});
