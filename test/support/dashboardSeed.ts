import { expect } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';

/**
 * A small, realistic installation for the dashboard: four services on one pipeline with
 * sign-offs before preprod and prod passed, and versions left at every kind of point on the way.
 */
export const DEMO_CONFIG = `
webhooks:
  # Nobody listens there: prod's events end as failed deliveries, for the Deliveries page.
  - url: "http://127.0.0.1:9/deploydb-hook"
    events: ["deployment.*"]
    environments: [prod]
    retry: { attempts: 1, backoff: 1 }
plugins:
  - package: "@deploydb/promotion-manual"
environments:
  dev: { description: "Development", url: "http://dev.acme.internal" }
  integ: { description: "Integration", url: "http://integ.acme.internal" }
  preprod: { description: "Pre-production", url: "http://preprod.acme.internal" }
  prod: { description: "Production", hosts: ["http://prod-1.acme.internal", "http://prod-2.acme.internal"] }
promotions:
  qa-sign-off:
    type: manual
  release-approval:
    type: manual
pipelines:
  mainline:
    environments:
      - dev
      - integ
      - { name: preprod, promotions: [qa-sign-off] }
      - { name: prod, promotions: [release-approval] }
services:
  checkout:
    name: "Checkout"
    artifacts: ["com.acme:checkout-api"]
    pipelines: [mainline]
  payments:
    name: "Payments"
    artifacts: ["com.acme:payments"]
    pipelines: [mainline]
  search:
    name: "Search"
    artifacts: ["com.acme:search", "com.acme:search-indexer"]
    pipelines: [mainline]
  notifications:
    name: "Notifications"
    artifacts: ["com.acme:notifier"]
    pipelines: [mainline]
`;

/** Who approves what in the demo (without auth every caller may). */
const APPROVALS: Record<string, string> = { preprod: 'qa-sign-off', prod: 'release-approval' };

type Call = (method: string, path: string, body?: unknown) => Promise<any>;

/** An API call that must succeed; returns the body. */
export function caller(t: TestKernel, token?: string): Call {
  return async (method, path, body) => {
    const response = await t.request(method, path, body, { token });
    expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)?.slice(0, 300)}`).toBeLessThan(300);
    return response.body;
  };
}

/** Where a version is left: the last environment it reaches, and how far it gets there. */
export type Stop = 'CREATED' | 'STARTED' | 'COMPLETED' | 'VERIFIED' | 'REJECTED';

/** Registers a version and walks its flow up to `environment`, leaving the deployment there at `stop`. */
export async function walk(call: Call, module: string, version: string, environment: string, stop: Stop): Promise<{ flowId: number; deploymentId: number }> {
  const [group, name] = module.split(':') as [string, string];
  const artifact = await call('POST', '/api/artifacts', { group, name, version, sourceUrl: `https://ci.acme.example/${name}/${version}` });
  const flowId: number = artifact.flows[0].id;
  for (;;) {
    const flow = await call('GET', `/api/flows/${flowId}`);
    const deployment = flow.deployments.at(-1);
    const last = deployment.environment === environment;
    if (last && stop === 'CREATED') return { flowId, deploymentId: deployment.id };
    await call('PATCH', `/api/deployments/${deployment.id}`, { status: 'STARTED' });
    if (last && stop === 'STARTED') return { flowId, deploymentId: deployment.id };
    await call('PATCH', `/api/deployments/${deployment.id}`, { status: 'COMPLETED' });
    const approval = APPROVALS[deployment.environment];
    if (last && stop === 'COMPLETED') return { flowId, deploymentId: deployment.id };
    if (approval) {
      const rejected = last && stop === 'REJECTED';
      await call('POST', `/api/deployments/${deployment.id}/promotions`, {
        name: approval,
        status: rejected ? 'FAILED' : 'SUCCESS',
        ...(rejected ? { reason: 'p99 latency regressed by 40 % in the soak test' } : {}),
      });
    }
    if (last) return { flowId, deploymentId: deployment.id };
  }
}

/** Fills a kernel on DEMO_CONFIG with a few weeks' worth of releases. */
export async function seedDemo(call: Call): Promise<void> {
  await walk(call, 'com.acme:checkout-api', '2.3.7', 'prod', 'VERIFIED');
  await walk(call, 'com.acme:checkout-api', '2.4.0', 'prod', 'VERIFIED');
  await walk(call, 'com.acme:checkout-api', '2.4.1', 'preprod', 'COMPLETED');
  await walk(call, 'com.acme:checkout-api', '2.5.0-rc.1', 'dev', 'STARTED');
  await walk(call, 'com.acme:payments', '1.12.2', 'prod', 'VERIFIED');
  await walk(call, 'com.acme:payments', '1.12.3', 'prod', 'VERIFIED');
  // 1.12.3 misbehaved in prod: the deployer rolled back to 1.12.2 outside the flow.
  const rollback = await call('POST', '/api/services/payments/environments/prod/rollback', { reason: 'card declines up after 1.12.3' });
  await call('PATCH', `/api/deployments/${rollback.id}`, { status: 'COMPLETED' });
  await walk(call, 'com.acme:payments', '1.13.0', 'preprod', 'CREATED');
  await walk(call, 'com.acme:search', '0.9.8', 'prod', 'VERIFIED');
  await walk(call, 'com.acme:search-indexer', '0.4.2', 'integ', 'VERIFIED');
  await walk(call, 'com.acme:search', '0.9.9', 'preprod', 'REJECTED');
  await walk(call, 'com.acme:notifier', '3.1.0', 'integ', 'VERIFIED');
  await walk(call, 'com.acme:notifier', '3.2.0', 'dev', 'COMPLETED');
}
