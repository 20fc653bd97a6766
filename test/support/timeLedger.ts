import { afterAll, beforeAll, expect } from 'vitest';
import manual from '../../plugins/promotion-manual/src/index.js';
import { ManualClock, startTestKernel, type TestKernel } from '@deploydb/core/testing';
import { apiOf, type Api } from './apiHelpers.js';
import { TOKENS, newArtifact, type DatabaseMode } from './fixtures.js';

/** Services of the time tests: each its own module, so tests do not share what runs where. */
export const TIME_SERVICES = ['web', 'api', 'jobs', 'auth', 'mail', 'search', 'pay', 'feed', 'chat', 'maps'] as const;
export type TimeService = (typeof TIME_SERVICES)[number];

/**
 * dev → prod for every service; `api` passes the manual `go-live` in prod (so a rejection fails
 * a completed deployment), `jobs` also travels `staging`. Auth on, tokens of fixtures.ts.
 */
export const TIME_CONFIG = `
plugins:
  - package: "@deploydb/promotion-manual"
auth:
  tokens:
    - { name: jenkins, token: "${TOKENS.ci}", roles: [ci] }
    - { name: alice, token: "${TOKENS.alice}", roles: [approver] }
    - { name: reader, token: "${TOKENS.reader}", roles: [read] }
    - { name: ops, token: "${TOKENS.ops}", roles: [admin] }
environments:
  dev: {}
  staging: {}
  prod: {}
  lab: {}
promotions:
  go-live: { type: manual }
pipelines:
  simple: { environments: [dev, prod] }
  gated: { environments: [dev, { name: prod, promotions: [go-live] }] }
  long: { environments: [dev, staging, prod] }
services:
${TIME_SERVICES.map(
  (s) => `  ${s}:
    name: "${s}"
    artifacts: ["com.acme:${s}"]
    pipelines: [${s === 'api' ? 'gated' : s === 'jobs' ? 'long' : 'simple'}]`,
).join('\n')}
`;

/** A kernel on TIME_CONFIG whose clock moves only when told (starting 2026-01-01T00:00:00Z). */
export function useTimeLedger(mode: DatabaseMode): { t: TestKernel; api: Api; clock: ManualClock; tick(seconds?: number): Date } {
  const fixture = { clock: new ManualClock(new Date('2026-01-01T00:00:00.000Z')) } as { t: TestKernel; api: Api; clock: ManualClock; tick(seconds?: number): Date };
  fixture.tick = (seconds = 60) => {
    fixture.clock.advance(seconds);
    return fixture.clock.now();
  };
  beforeAll(async () => {
    fixture.t = await startTestKernel({ config: TIME_CONFIG, database: mode, clock: fixture.clock, plugins: { '@deploydb/promotion-manual': manual } });
    fixture.api = apiOf(fixture.t);
  });
  afterAll(() => fixture.t?.destroy());
  return fixture;
}

/** Registers a version of a service's module; returns the artifact and its first (dev) deployment. */
export async function registerVersion(api: Api, service: TimeService, extra: Record<string, unknown> = {}) {
  const response = await api.send('ci', 'POST', '/api/artifacts', { ...newArtifact(`com.acme:${service}`), ...extra });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { artifact: response.body, dev: response.body.flows[0].deployments[0] };
}

/** The deployment a flow created in `environment` (its newest one there). */
export async function flowDeploymentIn(api: Api, flowId: number, environment: string) {
  const flow = await api.get(`/api/flows/${flowId}`);
  const found = [...flow.deployments].reverse().find((d: any) => d.environment === environment);
  expect(found, `flow ${flowId} has a deployment in ${environment}`).toBeDefined();
  return found;
}

/**
 * Registers a version and completes it environment by environment up to `until` (approving
 * `go-live` for `api`), ticking the clock before each report; returns the artifact and the
 * deployment in `until`.
 */
export async function shipTo(fixture: { api: Api; tick(seconds?: number): Date }, service: TimeService, until = 'prod') {
  const { api, tick } = fixture;
  const { artifact, dev } = await registerVersion(api, service);
  const flowId = artifact.flows[0].id;
  let deployment = dev;
  for (;;) {
    tick();
    const done = await api.report(deployment.id, 'COMPLETED');
    if (done.status === 'COMPLETED' && done.promotions.some((p: any) => p.promotion === 'go-live')) {
      tick();
      await api.approve('alice', deployment.id, 'go-live');
    }
    if (deployment.environment === until) break;
    deployment = await flowDeploymentIn(api, flowId, nextEnvironment(service, deployment.environment));
  }
  return { artifact, deployment: await api.get(`/api/deployments/${deployment.id}`) };
}

function nextEnvironment(service: TimeService, environment: string): string {
  const path = service === 'jobs' ? ['dev', 'staging', 'prod'] : ['dev', 'prod'];
  return path[path.indexOf(environment) + 1]!;
}
