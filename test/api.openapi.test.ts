import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKernel, type TestKernel } from '@deploydb/core/testing';
import manual from '../plugins/promotion-manual/src/index.js';
import { LEDGER_CONFIG, OPEN_LEDGER_CONFIG } from './support/fixtures.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const redocly = path.join(root, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
const run = promisify(execFile);

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: Array<{ pointer: string }>;
}

/** Runs `redocly lint` with the repository's redocly.yaml on a document written to a temporary file. */
async function lint(document: unknown): Promise<LintProblem[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploydb-openapi-'));
  try {
    const file = path.join(dir, 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(document, null, 2));
    const result = await run(process.execPath, [redocly, 'lint', file, '--config', path.join(root, 'redocly.yaml'), '--format', 'json'], {
      cwd: dir,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string; code?: number }) => {
      // Exit status 1 means "problems found"; they are in the JSON output all the same.
      if (error.code === 1 && error.stdout) return { stdout: error.stdout };
      throw error;
    });
    return (JSON.parse(result.stdout) as { problems: LintProblem[] }).problems;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const describeProblems = (problems: LintProblem[]) => problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`).join('\n');

const OPERATION_ID = /^[a-z][a-zA-Z]*$/;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe.each([
  ['auth on', LEDGER_CONFIG],
  ['auth off', OPEN_LEDGER_CONFIG],
])('/openapi.json for generated clients (%s)', (authMode, config) => {
  let t: TestKernel;
  let doc: any;
  beforeAll(async () => {
    t = await startTestKernel({ config, plugins: { '@deploydb/promotion-manual': manual }, listen: false });
    const response = await t.request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    doc = response.body;
  });
  afterAll(() => t?.destroy());

  const operations = () =>
    Object.entries<Record<string, any>>(doc.paths).flatMap(([p, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]) => ({ where: `${method.toUpperCase()} ${p}`, operation })),
    );

  it('gives every operation a unique camelCase operationId', () => {
    const ids = operations().map(({ where, operation }) => {
      expect(operation.operationId, where).toMatch(OPERATION_ID);
      return operation.operationId as string;
    });
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(repeated, 'operationIds used more than once').toEqual([]);
    expect(ids).toEqual(
      expect.arrayContaining([
        'registerArtifact',
        'listArtifacts',
        'getDeployment',
        'reportDeployment',
        'recordDeployment',
        'reportPromotionResult',
        'rollbackService',
        'getServiceHistory',
        'diffEnvironments',
        'getDoraMetrics',
      ]),
    );
  });

  it('is served relative to where it is found, under the MIT license, with a description', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'core', 'package.json'), 'utf8'));
    expect(doc.info.license).toMatchObject({ name: manifest.license, identifier: manifest.license });
    expect(manifest.license).toBe('MIT');
    expect(doc.info.description.length).toBeGreaterThan(50);
  });

  it('declares, with a description, every tag an operation uses', () => {
    const declared = new Map<string, string>(doc.tags.map((tag: any) => [tag.name, tag.description]));
    for (const [name, description] of declared) expect(description?.length ?? 0, `tag ${name}`).toBeGreaterThan(10);
    for (const { where, operation } of operations()) {
      expect(operation.tags, where).toHaveLength(1);
      expect([...declared.keys()], where).toContain(operation.tags[0]);
    }
  });

  it('names the shapes of the contract as components, referred to where they are used', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Artifact', 'Deployment', 'PromotionResult', 'Flow', 'Error']));
    const text = JSON.stringify(doc.paths);
    expect(text).toContain('"$ref":"#/components/schemas/Deployment"');
    expect(text, 'no schema id left inline').not.toContain('"$id"');
    expect(doc.paths['/api/deployments/{id}'].get.responses['404'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  });

  it('documents the refusals the app makes before any handler: bad parameters, and a body malformed, too big, not JSON or off its schema', () => {
    for (const { where, operation } of operations()) {
      const statuses = Object.keys(operation.responses);
      if (operation.requestBody) expect(statuses, where).toEqual(expect.arrayContaining(['400', '413', '415', '422']));
      if (operation.parameters.length > 0) expect(statuses, where).toContain('400');
      if (!operation.security) expect(statuses, where).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('says which operations need a token', () => {
    expect(doc.security).toEqual(authMode === 'auth on' ? [{ bearer: [] }] : []);
    for (const { where, operation } of operations()) {
      if (operation.security) expect(operation.security, where).toEqual([]);
      else expect(operation['x-roles'].length, where).toBeGreaterThan(0);
    }
    expect(doc.paths['/health'].get.security).toEqual([]);
    expect(doc.paths['/api/admin/reload'].post['x-roles']).toEqual(['admin']);
  });

  it('passes redocly lint (recommended rules, redocly.yaml) without errors or warnings', async () => {
    const problems = await lint(doc);
    expect(problems, describeProblems(problems)).toEqual([]);
  });

  it('the linter does find problems (a document with two operations of one id)', async () => {
    const broken = structuredClone(doc);
    broken.paths['/api/flows'].get.operationId = broken.paths['/api/artifacts'].get.operationId;
    delete broken.servers;
    const rules = new Set((await lint(broken)).map((p) => p.ruleId));
    expect(rules).toContain('operation-operationId-unique');
    expect(rules).toContain('no-empty-servers');
  });
});
