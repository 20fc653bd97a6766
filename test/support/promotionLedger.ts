/**
 * A kernel with all three promotion plugins (manual, WebhookPromotion, JenkinsPromotion) from
 * source, configured against local health endpoints and a stand-in Jenkins, and the API calls
 * and bounded waits the promotion flow tests share.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import manual from '../../plugins/promotion-manual/src/index.js';
import webhook from '../../plugins/promotion-webhook/src/index.js';
import jenkins from '../../plugins/promotion-jenkins/src/index.js';
import { startTestKernel, type TestKernel, type TestKernelOptions } from '@deploydb/core/testing';
import { TOKENS, type DatabaseMode } from './fixtures.js';
import { apiOf, type Api } from './apiHelpers.js';
import { FakeJenkins, HealthHost, refusedUrl } from './promotionServers.js';

/** Basic-auth credentials the stand-in Jenkins requires and the plugin config carries. */
export const JENKINS_CREDENTIALS = { user: 'deploydb', token: 'jenkins-api-token' };

/** Seconds Jenkins may stay unreachable before a JenkinsPromotion fails (plugin config). */
export const JENKINS_TIMEOUT = 1;

/** Seconds the `soak` promotion tolerates an unreachable Jenkins (its own setting). */
export const SOAK_TIMEOUT = 5;

/** Settings of the `status-check` WebhookPromotion. */
export const PROBE = { timeout: 0.5, retries: 2, interval: 0.2 };

export interface PromotionServers {
  jenkins: FakeJenkins;
  /** Health endpoint of dev, integ and prod, and the first host of preprod (under `/app`) and canary. */
  hostA: HealthHost;
  /** Second host of preprod. */
  hostB: HealthHost;
  /** A URL on which nothing listens: the second host of canary. */
  closed: string;
}

/** Starts the stand-in Jenkins (Basic auth, crumb issuer) and the health endpoints. */
export async function startPromotionServers(): Promise<PromotionServers> {
  const jenkins = await new FakeJenkins({ credentials: JENKINS_CREDENTIALS, crumbIssuer: true }).start();
  jenkins
    .job('basic-smokes-test', { requireCrumb: true, queuePolls: 0, buildPolls: 0 })
    .job('basic-perf-test', { queuePolls: 0, buildPolls: 1 })
    .job('soak-test', { queuePolls: 0, buildPolls: 1_000_000 })
    .job('qa-signoff');
  const hostA = await new HealthHost().start();
  const hostB = await new HealthHost().start();
  return { jenkins, hostA, hostB, closed: await refusedUrl() };
}

export async function stopPromotionServers(servers: PromotionServers | undefined): Promise<void> {
  if (!servers) return;
  await Promise.all([servers.jenkins.close(), servers.hostA.close(), servers.hostB.close()]);
}

/**
 * The configuration: `faas` travels dev → integ {jenkins-smoke} → preprod {status-check on two
 * hosts} → prod {go-live, alice only}; smaller services each exercise one promotion on its own;
 * `audited` adds service-wide promotions to a stage's own.
 */
export function promotionConfig({ jenkins, hostA, hostB, closed }: PromotionServers): string {
  return `
plugins:
  - package: "@deploydb/promotion-manual"
  - package: "@deploydb/promotion-webhook"
  - package: "@deploydb/promotion-jenkins"
    config:
      baseUrl: "${jenkins.url}"
      user: ${JENKINS_CREDENTIALS.user}
      token: "${JENKINS_CREDENTIALS.token}"
      pollInterval: 0.2
      timeout: ${JENKINS_TIMEOUT}
auth:
  tokens:
    - { name: ci, token: "${TOKENS.ci}", roles: [ci] }
    - { name: alice, token: "${TOKENS.alice}", roles: [approver] }
    - { name: bob, token: "${TOKENS.bob}", roles: [approver] }
    - { name: reader, token: "${TOKENS.reader}", roles: [read] }
    - { name: ops, token: "${TOKENS.ops}", roles: [admin] }
environments:
  dev: { description: "Development", url: "${hostA.url}" }
  integ: { description: "Integration", url: "${hostA.url}" }
  preprod:
    description: "Pre-production"
    hosts: ["${hostA.url}/app", "${hostB.url}"]
  prod: { description: "Production", url: "${hostA.url}" }
  canary: { hosts: ["${hostA.url}", "${closed}"] }
promotions:
  jenkins-smoke:
    type: JenkinsPromotion
    jobs: [basic-smokes-test, basic-perf-test]
    parameters: { SUITE: fast }
    pollInterval: 0.2
  soak:
    type: JenkinsPromotion
    jobs: [soak-test]
    pollInterval: 0.2
    timeout: ${SOAK_TIMEOUT}
  qa-signoff:
    type: JenkinsPromotion
    jobs: [qa-signoff]
    mode: report
  status-check:
    type: WebhookPromotion
    url: /healthcheck
    status: 200
    timeout: ${PROBE.timeout}
    retries: ${PROBE.retries}
    interval: ${PROBE.interval}
  go-live:
    type: manual
    approvers: [alice]
    required: 1
pipelines:
  devtoprod:
    environments:
      - dev
      - { name: integ, promotions: [jenkins-smoke] }
      - { name: preprod, promotions: [status-check] }
      - { name: prod, promotions: [go-live] }
  probing:
    environments:
      - { name: preprod, promotions: [status-check] }
      - prod
  canary:
    environments:
      - { name: canary, promotions: [status-check] }
      - prod
  qa:
    environments:
      - { name: integ, promotions: [qa-signoff] }
  soak:
    environments:
      - { name: integ, promotions: [soak] }
      - prod
  signoff:
    environments:
      - { name: prod, promotions: [go-live] }
  audit:
    environments:
      - { name: integ, promotions: [qa-signoff, go-live] }
      - prod
services:
  faas: { name: "Fun as a Service", artifacts: ["com.acme:foas"], pipelines: [devtoprod] }
  probes: { name: "Probed", artifacts: ["com.acme:probe"], pipelines: [probing] }
  canary: { name: "Canary", artifacts: ["com.acme:canary"], pipelines: [canary] }
  qa: { name: "QA reported", artifacts: ["com.acme:qa"], pipelines: [qa] }
  soak: { name: "Soaked", artifacts: ["com.acme:soak"], pipelines: [soak] }
  signoff: { name: "Signed off", artifacts: ["com.acme:signoff"], pipelines: [signoff] }
  audited:
    name: "Audited"
    artifacts: ["com.acme:audited"]
    pipelines: [audit]
    promotions: [status-check, go-live]
`;
}

export function startPromotionKernel(database: DatabaseMode, servers: PromotionServers, overrides: Partial<TestKernelOptions> = {}): Promise<TestKernel> {
  return startTestKernel({
    config: promotionConfig(servers),
    database,
    plugins: {
      '@deploydb/promotion-manual': manual,
      '@deploydb/promotion-webhook': webhook,
      '@deploydb/promotion-jenkins': jenkins,
    },
    ...overrides,
  });
}

/** Bound of every wait for the promotion worker. */
export const WAIT_MS = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads `read()` every `everyMs` until `done` holds; fails with the last value after `timeoutMs`. */
export async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = WAIT_MS, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last seen ${JSON.stringify(value)?.slice(0, 3000)}`);
    await sleep(everyMs);
  }
}

/** The API calls of the promotion flows. */
export function promotionApi(t: TestKernel) {
  const api: Api = apiOf(t);
  const deployment = (id: number) => api.get(`/api/deployments/${id}`);
  const flow = (id: number) => api.get(`/api/flows/${id}`);
  const result = (deploymentBody: any, name: string) => {
    const found = deploymentBody.promotions.find((p: any) => p.promotion === name);
    expect(found, `deployment ${deploymentBody.id} has a result for ${name}: ${JSON.stringify(deploymentBody.promotions)}`).toBeDefined();
    return found;
  };
  return {
    ...api,
    deployment,
    flow,
    result,
    /** POST a promotion result as `who`, expecting `status`; returns the response body. */
    reportPromotion: (who: keyof typeof TOKENS, id: number, body: Record<string, unknown>, status: number) =>
      api.expectStatus(who, 'POST', `/api/deployments/${id}/promotions`, body, status),
    /** The newest deployment of a flow (the one in the environment the flow has reached). */
    latest: async (flowId: number) => (await flow(flowId)).deployments.at(-1),
    /** Waits until the deployment is VERIFIED or FAILED. */
    settledDeployment: (id: number, timeoutMs = WAIT_MS) =>
      waitFor(`deployment ${id} VERIFIED or FAILED`, () => deployment(id), (d: any) => d.status === 'VERIFIED' || d.status === 'FAILED', timeoutMs),
    /** Waits until a result of the deployment satisfies `done`. */
    resultWhere: async (id: number, name: string, done: (r: any) => boolean, what = `result ${name} of deployment ${id}`) =>
      result(await waitFor(what, () => deployment(id), (d: any) => done(d.promotions.find((p: any) => p.promotion === name) ?? {})), name),
  };
}

export type PromotionApi = ReturnType<typeof promotionApi>;

/** Registers an artifact of `module` and returns the artifact, its single flow and first deployment. */
export async function registerOne(api: PromotionApi, module: string) {
  const artifact = await api.register(module);
  expect(artifact.flows, JSON.stringify(artifact.flows)).toHaveLength(1);
  const flow = artifact.flows[0];
  expect(flow.deployments).toHaveLength(1);
  return { artifact, flow, first: flow.deployments[0] };
}

/** The servers, the kernel and its API client of one describe block. */
export interface PromotionFixture {
  servers: PromotionServers;
  t: TestKernel;
  api: PromotionApi;
}

/** Starts the stand-in servers and a kernel before a describe block's tests, and stops both after them. */
export function usePromotionKernel(mode: DatabaseMode): PromotionFixture {
  const fixture = {} as PromotionFixture;
  beforeAll(async () => {
    fixture.servers = await startPromotionServers();
    fixture.t = await startPromotionKernel(mode, fixture.servers);
    fixture.api = promotionApi(fixture.t);
  });
  afterAll(async () => {
    await fixture.t?.destroy();
    if (fixture.servers) await stopPromotionServers(fixture.servers);
  });
  return fixture;
}
