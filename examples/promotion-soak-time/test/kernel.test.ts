import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKernel, type TestKernel } from '@deploydb/core/testing';
import soakTime from '../src/index.js';

const PACKAGE = 'deploydb-promotion-soak-time';
const CI = 'ci-secret';

/**
 * `web` soaks 1 s in staging before prod; `api` soaks 3 s in staging, long enough for a newer
 * version to replace it meanwhile. The plugin reads the ledger it depends on.
 */
const config = (seconds = '1') => `
plugins:
  - package: "${PACKAGE}"
auth:
  tokens:
    - { name: ci, token: "${CI}", roles: [ci] }
environments:
  staging: { description: "Staging" }
  prod: { description: "Production" }
promotions:
  soak-short: { type: SoakTime, seconds: ${seconds} }
  soak-long: { type: SoakTime, seconds: 3 }
pipelines:
  quick:
    environments:
      - { name: staging, promotions: [soak-short] }
      - prod
  slow:
    environments:
      - { name: staging, promotions: [soak-long] }
services:
  web: { name: "Web", artifacts: ["com.acme:web"], pipelines: [quick] }
  api: { name: "API", artifacts: ["com.acme:api"], pipelines: [slow] }
`;

describe('SoakTime in a running DeployDB', () => {
  let t: TestKernel;

  beforeAll(async () => {
    t = await startTestKernel({ config: config(), database: 'embedded', plugins: { [PACKAGE]: soakTime } });
  });
  afterAll(async () => {
    await t?.destroy();
  });

  const call = async (method: string, path: string, body: unknown, expected: number) => {
    const response = await t.request(method, path, body, { token: CI });
    expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBe(expected);
    return response.body;
  };
  const register = (name: string, version: string) =>
    call('POST', '/api/artifacts', { group: 'com.acme', name, version, sourceUrl: `https://ci.acme.test/${name}/${version}` }, 201);
  const complete = (id: number) => call('PATCH', `/api/deployments/${id}`, { status: 'COMPLETED' }, 200);

  /** Polls a deployment until it reaches `status` (or the test's bound runs out). */
  async function until(id: number, status: string, timeoutMs = 15_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const deployment = await call('GET', `/api/deployments/${id}`, undefined, 200);
      if (deployment.status === status) return deployment;
      if (Date.now() > deadline) throw new Error(`deployment ${id} is still ${deployment.status} after ${timeoutMs} ms, not ${status}: ${JSON.stringify(deployment.promotions)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('lists the promotions of its type with their settings', async () => {
    const promotions = await call('GET', '/api/promotions', undefined, 200);
    expect(promotions.items).toEqual([
      { key: 'soak-short', type: 'SoakTime', seconds: 1 },
      { key: 'soak-long', type: 'SoakTime', seconds: 3 },
    ]);
  });

  it('verifies a deployment once it has soaked, then the flow moves on', async () => {
    const registered = await register('web', '1.0.0');
    const staging = registered.flows[0].deployments[0];
    expect(staging).toMatchObject({ environment: 'staging', status: 'CREATED', promotions: [{ promotion: 'soak-short', type: 'SoakTime', status: 'NOT_STARTED' }] });

    const completed = await complete(staging.id);
    expect(completed).toMatchObject({ status: 'COMPLETED', promotions: [{ status: 'STARTED' }] });

    const verified = await until(staging.id, 'VERIFIED');
    const [result] = verified.promotions;
    expect(result).toMatchObject({ promotion: 'soak-short', status: 'SUCCESS', reason: null });
    expect(result.evidence).toEqual({
      completedAt: completed.updatedAt,
      passesAt: new Date(Date.parse(completed.updatedAt) + 1000).toISOString(),
      seconds: 1,
      replacementChecked: true,
    });
    // Settled no earlier than a second after COMPLETED.
    expect(Date.parse(result.updatedAt) - Date.parse(completed.updatedAt)).toBeGreaterThanOrEqual(1000);

    const flow = await call('GET', `/api/flows/${registered.flows[0].id}`, undefined, 200);
    expect(flow.deployments.map((d: any) => [d.environment, d.status])).toEqual([
      ['staging', 'VERIFIED'],
      ['prod', 'CREATED'],
    ]);
  });

  it('fails a deployment that a newer one replaced before its soak ended', async () => {
    const first = (await register('api', '1.0.0')).flows[0];
    const older = first.deployments[0].id;
    await complete(older);
    const second = (await register('api', '2.0.0')).flows[0];
    const newer = second.deployments[0].id;
    await complete(newer);

    const failed = await until(older, 'FAILED');
    expect(failed.promotions[0]).toMatchObject({
      promotion: 'soak-long',
      status: 'FAILED',
      reason: `replaced in staging by deployment ${newer} (com.acme:api:2.0.0) before its 3 s soak time ended`,
      evidence: { replacedBy: { deploymentId: newer, artifact: 'com.acme:api:2.0.0' } },
    });
    expect((await call('GET', `/api/flows/${first.id}`, undefined, 200)).status).toBe('FAILED');

    // The newer one soaks undisturbed.
    await until(newer, 'VERIFIED');
    expect((await call('GET', `/api/flows/${second.id}`, undefined, 200)).status).toBe('SUCCESS');
  });
});

describe('SoakTime settings in deploydb.yaml', () => {
  it('refuses a soak shorter than a second, and unknown keys', async () => {
    const marker = `# settings check ${randomUUID()}`;
    const bad = `${marker}\n${config('0')}`.replace('soak-long: { type: SoakTime, seconds: 3 }', 'soak-long: { type: SoakTime, second: 3 }');
    try {
      const start = startTestKernel({ config: bad, database: 'embedded', plugins: { [PACKAGE]: soakTime } });
      await expect(start).rejects.toMatchObject({ code: 'config_invalid' });
      const message = await start.catch((error: Error) => error.message);
      expect(message).toMatch(/promotions\.soak-short\.seconds: must be >= 1/);
      expect(message).toMatch(/promotions\.soak-long\.second: unknown key "second"; allowed keys: seconds/);
    } finally {
      removeFoldersOf(marker);
    }
  });
});

/**
 * startTestKernel leaves its folder behind when the kernel refuses to start, and does not say
 * which folder it was: find it by the configuration it holds.
 */
function removeFoldersOf(marker: string): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    if (!name.startsWith('deploydb-test-')) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      if (fs.readFileSync(path.join(dir, 'deploydb.yaml'), 'utf8').includes(marker)) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // another test's folder, being made or removed right now
    }
  }
}
