/**
 * The plugin inside a real DeployDB kernel (embedded database and queue): deployments reported
 * over the API reach the chat when, and only when, they complete or fail in a listed environment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKernel, type TestKernel } from '@deploydb/core/testing';
import chat from '../src/index.js';
import { ChatServer } from './chatServer.js';

describe('deploydb-subscriber-chat in a kernel', () => {
  let server: ChatServer;
  let t: TestKernel;

  beforeAll(async () => {
    server = await new ChatServer().start();
    t = await startTestKernel({
      plugins: { 'deploydb-subscriber-chat': chat },
      listen: false,
      config: `
plugins:
  - package: deploydb-subscriber-chat
    config: { webhookUrl: "${server.url}", environments: [prod] }
environments: { staging: {}, prod: {} }
pipelines: { main: { environments: [staging, prod] } }
services: { web: { name: Web, artifacts: ["com.acme:web"], pipelines: [main] } }
`,
    });
  });
  afterAll(async () => {
    await t?.destroy();
    await server?.close();
  });

  async function call(method: string, path: string, body?: unknown) {
    const response = await t.request(method, path, body);
    expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
    return response.body;
  }

  it('posts a completed and a failed deployment in prod, and nothing of staging', async () => {
    const registered = await call('POST', '/api/artifacts', { group: 'com.acme', name: 'web', version: '2.0.0', sourceUrl: 'https://ci.acme.test/web/2.0.0' });
    const staging = registered.flows[0].deployments[0];
    // No promotions: staging becomes VERIFIED at once, and the prod deployment is created.
    expect((await call('PATCH', `/api/deployments/${staging.id}`, { status: 'COMPLETED' })).status).toBe('VERIFIED');
    const flow = await call('GET', `/api/flows/${staging.flowId}`);
    const prod = flow.deployments.find((d: { environment: string }) => d.environment === 'prod');
    await call('PATCH', `/api/deployments/${prod.id}`, { status: 'COMPLETED' });

    const recorded = await call('POST', '/api/deployments', {
      service: 'web', environment: 'prod', artifact: { group: 'com.acme', name: 'web', version: '2.0.0' }, kind: 'hotfix', status: 'STARTED',
    });
    await call('PATCH', `/api/deployments/${recorded.id}`, { status: 'FAILED', reason: 'disk full' });

    const posts = await server.waitFor(2);
    expect(posts.map((p) => p.body)).toEqual([
      { text: ':white_check_mark: web: com.acme:web 2.0.0 deployed to prod' },
      { text: ':x: web: com.acme:web 2.0.0 failed in prod (hotfix): disk full' },
    ]);
    // Nothing more arrives: staging's completion was never posted.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.posts).toHaveLength(2);
  });

  it('refuses a webhook URL that is not http(s) when the configuration loads', async () => {
    await expect(
      startTestKernel({
        plugins: { 'deploydb-subscriber-chat': chat },
        listen: false,
        config: `
plugins: [{ package: deploydb-subscriber-chat, config: { webhookUrl: "hooks.slack.com/x" } }]
environments: { prod: {} }
pipelines: { main: { environments: [prod] } }
services: { web: { name: Web, artifacts: ["com.acme:web"], pipelines: [main] } }
`,
      }),
    ).rejects.toThrow(/plugins\[0\]\.config\.webhookUrl/);
  });
});
