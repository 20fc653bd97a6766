import { afterEach, describe, expect, it } from 'vitest';
import type { EnvironmentConfig, PromotionPluginInstance, Verdict } from '@deploydb/core';
import plugin, { checkEnvironment, resolveSettings, settingsSchema, type WebhookSettingsInput } from '../src/index.js';
import { environment, evaluationContext, ManualClock, quietLogger } from './context.js';
import { refusedUrl, statusServer, type TestServer } from './servers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(status: number, delayMs = 0): Promise<TestServer> {
  const server = await statusServer(status, delayMs);
  servers.push(server);
  return server;
}

async function instance(): Promise<PromotionPluginInstance<WebhookSettingsInput>> {
  return plugin.create({ config: {}, logger: quietLogger, clock: new ManualClock(), configDir: process.cwd(), deps: {} });
}

async function evaluate(settings: WebhookSettingsInput, env: EnvironmentConfig, state: unknown = null): Promise<Verdict> {
  const promotion = await instance();
  return promotion.evaluate(evaluationContext('status-check', 'WebhookPromotion', { settings, environment: env, state }));
}

/** Evaluates as the kernel would: again after each PENDING, carrying `state`, until settled. */
async function settle(settings: WebhookSettingsInput, env: EnvironmentConfig): Promise<{ verdict: Verdict; evaluations: Verdict[] }> {
  const evaluations: Verdict[] = [];
  let state: unknown = null;
  for (let i = 0; i < 20; i++) {
    const verdict = await evaluate(settings, env, state);
    evaluations.push(verdict);
    if (verdict.status !== 'PENDING') return { verdict, evaluations };
    state = verdict.state;
  }
  throw new Error('never settled');
}

describe('WebhookPromotion', () => {
  it('is declared with its type, defaults and no reporting', async () => {
    expect(plugin.$$type).toBe('@deploydb/plugin');
    expect(plugin.kind).toBe('promotion');
    expect(plugin.type).toBe('WebhookPromotion');
    expect(resolveSettings({ url: '/healthcheck' })).toEqual({
      url: '/healthcheck',
      status: 200,
      timeout: 15,
      method: 'GET',
      retries: 3,
      interval: 5,
      policy: 'all',
    });
    expect((await instance()).reporting).toBeUndefined();
    const schema = JSON.parse(JSON.stringify(settingsSchema));
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['url']);
    expect(schema.properties.policy.default).toBe('all');
    expect(schema.properties.status).toMatchObject({ minimum: 100, maximum: 599, default: 200 });
  });

  it('passes when every host answers the expected status', async () => {
    const [a, b] = [await serve(200), await serve(200)];
    const verdict = await evaluate({ url: '/healthcheck' }, environment({ hosts: [`${a.url}/app`, `${b.url}/app/`] }));
    expect(verdict.status).toBe('SUCCESS');
    expect(verdict.infoUrl).toBe(`${a.url}/app/healthcheck`);
    const hosts = (verdict.evidence as { hosts: unknown[] }).hosts;
    expect(hosts).toEqual([
      { url: `${a.url}/app/healthcheck`, status: 200, error: null, ms: expect.any(Number) },
      { url: `${b.url}/app/healthcheck`, status: 200, error: null, ms: expect.any(Number) },
    ]);
    expect(a.requests).toEqual([{ method: 'GET', path: '/app/healthcheck', body: '' }]);
    expect(b.requests.map((r) => r.path)).toEqual(['/app/healthcheck']);
  });

  it('retries a failed round `retries` times, `interval` apart, then fails naming the host', async () => {
    const [ok, bad] = [await serve(200), await serve(500)];
    const env = environment({ hosts: [ok.url, bad.url] });
    const settings = { url: '/healthcheck', retries: 2, interval: 7 };

    const first = await evaluate(settings, env);
    expect(first).toMatchObject({ status: 'PENDING', checkAgainIn: 7, state: { failedRounds: 1 }, infoUrl: `${bad.url}/healthcheck` });

    const { verdict, evaluations } = await settle(settings, env);
    expect(evaluations.map((v) => v.status)).toEqual(['PENDING', 'PENDING', 'FAILED']);
    expect(evaluations[1]).toMatchObject({ state: { failedRounds: 2 } });
    expect(verdict.status).toBe('FAILED');
    expect(verdict.infoUrl).toBe(`${bad.url}/healthcheck`);
    const reason = verdict.status === 'FAILED' ? verdict.reason : '';
    expect(reason).toContain(`${bad.url}/healthcheck: got status 500, expected 200`);
    expect(reason).toContain('3 attempts');
    expect(reason).not.toContain(`${ok.url}/healthcheck:`);
    expect(verdict.evidence).toMatchObject({
      attempts: 3,
      hosts: [
        { url: `${ok.url}/healthcheck`, status: 200, error: null },
        { url: `${bad.url}/healthcheck`, status: 500, error: 'got status 500, expected 200' },
      ],
    });
  });

  it('succeeds on a retry once the hosts recover', async () => {
    const server = await serve(200);
    const verdict = await evaluate({ url: '/healthcheck', retries: 3 }, environment({ url: server.url }), { failedRounds: 2 });
    expect(verdict.status).toBe('SUCCESS');
    expect(verdict.evidence).toMatchObject({ attempts: 3 });
  });

  it('fails a probe that takes longer than `timeout`', async () => {
    const slow = await serve(200, 2000);
    const started = Date.now();
    const verdict = await evaluate({ url: `${slow.url}/slow`, timeout: 0.2, retries: 0 }, environment());
    expect(Date.now() - started).toBeLessThan(1500);
    expect(verdict.status).toBe('FAILED');
    expect(verdict.status === 'FAILED' && verdict.reason).toContain(`${slow.url}/slow: timed out after 0.2s`);
    expect(verdict.evidence).toMatchObject({ hosts: [{ url: `${slow.url}/slow`, status: null, error: 'timed out after 0.2s' }] });
  });

  it('reports a refused connection', async () => {
    const url = await refusedUrl();
    const verdict = await evaluate({ url: '/health', retries: 0 }, environment({ url }));
    expect(verdict.status).toBe('FAILED');
    expect(verdict.status === 'FAILED' && verdict.reason).toContain(`${url}/health: connection refused`);
    expect(verdict.evidence).toMatchObject({ hosts: [{ url: `${url}/health`, status: null, error: 'connection refused' }] });
  });

  it('checks the exact status, with the configured method', async () => {
    const created = await serve(201);
    expect((await evaluate({ url: `${created.url}/x`, retries: 0 }, environment())).status).toBe('FAILED');
    expect((await evaluate({ url: `${created.url}/x`, status: 201, method: 'HEAD' }, environment())).status).toBe('SUCCESS');
    expect((await evaluate({ url: `${created.url}/x`, status: 201, method: 'POST' }, environment())).status).toBe('SUCCESS');
    expect(created.requests.map((r) => r.method)).toEqual(['GET', 'HEAD', 'POST']);
    expect(JSON.parse(created.requests[2]!.body)).toMatchObject({
      deploymentId: 7,
      service: 'faas',
      environment: 'preprod',
      promotion: 'status-check',
      artifact: { group: 'com.github.lookout', name: 'foas', version: '1.4.2' },
    });
  });

  it('does not follow redirects, so a 3xx is seen as such', async () => {
    const moved = await serve(302);
    const verdict = await evaluate({ url: `${moved.url}/x`, status: 302 }, environment());
    expect(verdict.status).toBe('SUCCESS');
  });

  it('with policy "any", one passing host is enough', async () => {
    const [bad, ok] = [await serve(503), await serve(200)];
    const env = environment({ hosts: [bad.url, ok.url] });
    expect((await evaluate({ url: '/hc', policy: 'any' }, env)).status).toBe('SUCCESS');
    const down = environment({ hosts: [bad.url, await refusedUrl()] });
    const verdict = await evaluate({ url: '/hc', policy: 'any', retries: 0 }, down);
    expect(verdict.status).toBe('FAILED');
    expect(verdict.status === 'FAILED' && verdict.reason).toContain('0 of 2 probes got status 200, policy "any" needs 1');
  });

  it('with policy "quorum", more than half must pass', async () => {
    const [ok1, ok2, bad] = [await serve(200), await serve(200), await serve(500)];
    const two = await evaluate({ url: '/hc', policy: 'quorum' }, environment({ hosts: [ok1.url, bad.url, ok2.url] }));
    expect(two.status).toBe('SUCCESS');

    const bad2 = await serve(500);
    const half = await evaluate({ url: '/hc', policy: 'quorum', retries: 0 }, environment({ hosts: [ok1.url, bad.url, ok2.url, bad2.url] }));
    expect(half.status).toBe('FAILED');
    expect(half.status === 'FAILED' && half.reason).toContain('2 of 4 probes got status 200, policy "quorum" needs 3');
    expect(half.infoUrl).toBe(`${bad.url}/hc`);
  });

  it('joins a relative url to the environment url, and probes an absolute url as is', async () => {
    const server = await serve(200);
    expect((await evaluate({ url: '/healthcheck' }, environment({ url: `${server.url}/app/` }))).status).toBe('SUCCESS');
    expect((await evaluate({ url: `${server.url}/direct?x=1` }, environment({ url: 'http://elsewhere.invalid' }))).status).toBe('SUCCESS');
    expect(server.requests.map((r) => r.path)).toEqual(['/app/healthcheck', '/direct?x=1']);
  });

  it('fails a relative url in an environment with neither url nor hosts', async () => {
    const verdict = await evaluate({ url: '/healthcheck' }, environment({ key: 'bare' }));
    expect(verdict.status).toBe('FAILED');
    expect(verdict.status === 'FAILED' && verdict.reason).toContain('relative url "/healthcheck" needs the environment\'s url or hosts');
  });

  it('checkEnvironment refuses a relative url where there is nothing to join it to', () => {
    expect(checkEnvironment({ url: '/healthcheck' }, environment({ key: 'bare' }))).toEqual([
      'relative url "/healthcheck" needs the environment\'s url or hosts, and environment "bare" has neither',
    ]);
    expect(checkEnvironment({ url: '/healthcheck' }, environment({ url: 'http://integ:8080' }))).toEqual([]);
    expect(checkEnvironment({ url: '/healthcheck' }, environment({ hosts: ['http://prod-1:8080'] }))).toEqual([]);
    expect(checkEnvironment({ url: 'http://status.internal/ok' }, environment())).toEqual([]);
    expect(plugin.checkEnvironment).toBe(checkEnvironment);
  });

  it('gives up without a verdict when the evaluation is aborted', async () => {
    const slow = await serve(200, 2000);
    const controller = new AbortController();
    const promotion = await instance();
    const pending = promotion.evaluate(
      evaluationContext('status-check', 'WebhookPromotion', {
        settings: { url: `${slow.url}/slow` },
        environment: environment(),
        signal: controller.signal,
      }),
    );
    setTimeout(() => controller.abort(new Error('evaluation timed out')), 50);
    await expect(pending).rejects.toThrow('evaluation timed out');
  });
});
