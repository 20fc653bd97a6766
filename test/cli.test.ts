import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import { TOKENS, startLedger } from './support/fixtures.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../core/dist/cli/main.js', import.meta.url));

/** Runs `deploydb` (the built command) and answers its exit code and parsed JSON output. */
async function deploydb(args: string[], env: Record<string, string> = {}): Promise<{ code: number; body: any; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    return { code: 0, body: JSON.parse(stdout), stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, body: failed.stderr.trim().startsWith('{') ? JSON.parse(failed.stderr) : null, stderr: failed.stderr };
  }
}

describe('client commands of the deploydb command line', () => {
  let t: TestKernel;
  beforeAll(async () => {
    t = await startLedger('embedded');
  });
  afterAll(() => t?.destroy());

  it('registers an artifact, reports its deployment, approves and shows the status, with the token from $DEPLOYDB_TOKEN', async () => {
    const url = ['--url', t.url!];
    const ci = { DEPLOYDB_TOKEN: TOKENS.ci };
    const registered = await deploydb(['artifact', 'register', '--group', 'com.acme', '--name', 'foas', '--version', `cli-${Date.now()}`, '--source-url', 'https://ci/x', ...url], ci);
    expect(registered.code).toBe(0);
    let deployment = registered.body.flows[0].deployments[0];
    for (const environment of ['dev', 'integ']) {
      expect(deployment.environment).toBe(environment);
      const reported = await deploydb(['deployment', 'report', String(deployment.id), 'completed', ...url], ci);
      expect(reported.body.status).toBe('VERIFIED');
      deployment = (await t.request('GET', `/api/flows/${deployment.flowId}`, undefined, { token: TOKENS.reader })).body.deployments.at(-1);
    }
    await deploydb(['deployment', 'report', String(deployment.id), 'COMPLETED', ...url], ci);
    const refused = await deploydb(['approve', String(deployment.id), '--promotion', 'pair-review', ...url, '--token', TOKENS.carol]);
    expect(refused.code).toBe(1);
    expect(refused.body.error.code).toBe('forbidden');
    const approved = await deploydb(['approve', String(deployment.id), '--promotion', 'pair-review', ...url, '--token', TOKENS.alice]);
    expect(approved.body).toMatchObject({ promotion: 'pair-review', status: 'STARTED' });
    const status = await deploydb(['status', 'faas', ...url, '--token', TOKENS.reader]);
    expect(status.body.map((e: any) => e.environment)).toEqual(['dev', 'integ', 'preprod', 'prod']);
    expect(status.body[2].current.id).toBe(deployment.id);
  });

  it('says how to use a command it is given wrongly, with exit code 2', async () => {
    const wrong = await deploydb(['artifact', 'register', '--group', 'g', '--url', t.url!]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('usage: deploydb artifact register');
    expect((await deploydb(['frobnicate'])).code).toBe(2);
  });
});
