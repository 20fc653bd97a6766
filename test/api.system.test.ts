import { beforeAll, describe, expect, it } from 'vitest';
import { databaseModes } from './support/fixtures.js';
import { expectError, useLedger } from './support/apiHelpers.js';

/** Every route of CONTRACT §4 but triggers and webhooks, and the audit trail of §15, path parameters written `{}`. */
const CONTRACT_ROUTES = [
  'post /api/artifacts',
  'get /api/artifacts',
  'get /api/artifacts/{}',
  'get /api/artifacts/by-module/{}',
  'get /api/artifacts/by-module/{}/latest',
  'get /api/deployments',
  'get /api/deployments/{}',
  'patch /api/deployments/{}',
  'post /api/deployments/{}/promotions',
  'get /api/deployments/{}/promotions/{}',
  'get /api/flows',
  'get /api/flows/{}',
  'get /api/environments',
  'get /api/environments/{}',
  'get /api/environments/{}/deployments',
  'get /api/environments/{}/services',
  'get /api/services',
  'get /api/services/{}',
  'get /api/services/{}/environments',
  'post /api/deployments',
  'post /api/services/{}/environments/{}/rollback',
  'get /api/services/{}/environments/{}/history',
  'get /api/environments/{}/diff/{}',
  'get /api/metrics/dora',
  'get /api/pipelines',
  'get /api/pipelines/{}',
  'get /api/promotions',
  'get /api/promotions/{}',
  'post /api/admin/reload',
  'get /api/audit',
  'get /health',
  'get /metrics',
  'get /openapi.json',
  'get /asyncapi.json',
];

describe.each(await databaseModes())('system routes, auth and routing (%s database)', (mode) => {
  const f = useLedger(mode);

  it.each(['/health', '/metrics', '/openapi.json', '/asyncapi.json'])('%s needs no token', async (path) => {
    const response = await f.api.send(null, 'GET', path);
    expect(response.status, JSON.stringify(response.body).slice(0, 200)).toBe(200);
  });

  describe('GET /health', () => {
    it('answers 200 {status: "ok", checks}', async () => {
      const response = await f.api.send('reader', 'GET', '/health');
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('ok');
      expect(typeof response.body.checks).toBe('object');
      for (const check of Object.values<any>(response.body.checks)) expect(typeof check.status).toBe('string');
    });

    it('names the installation, the id kept in its database', async () => {
      const response = await f.api.send(null, 'GET', '/health');
      const [row] = await f.t.kernel.db.sql<{ id: string }>('select id::text as id from installation');
      expect(response.body.installationId).toBe(row!.id);
      expect(response.body.installationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });
  });

  describe('GET /metrics', () => {
    it('answers Prometheus text with request counts and deployments by status', async () => {
      await f.api.register();
      await f.api.get('/api/artifacts');
      const response = await f.api.send('reader', 'GET', '/metrics');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = response.body as string;
      expect(typeof text).toBe('string');
      expect(text).toMatch(/^# TYPE deploydb_http_requests_total counter$/m);
      expect(text).toMatch(/^deploydb_http_requests_total\{[^}]*\} \d+/m);
      expect(text).toMatch(/^# TYPE deploydb_deployments gauge$/m);
      expect(text).toMatch(/^deploydb_deployments\{status="CREATED"\} [1-9]\d*$/m);
    });
  });

  describe('GET /openapi.json', () => {
    let doc: any;
    beforeAll(async () => {
      const response = await f.api.send('reader', 'GET', '/openapi.json');
      expect(response.status).toBe(200);
      doc = response.body;
    });

    it('is OpenAPI 3.1', () => {
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    });

    it('describes every route of the contract', () => {
      const described = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method} ${path.replace(/\{[^}]+\}(:\{[^}]+\})?/g, '{}')}`),
      );
      for (const route of CONTRACT_ROUTES) expect(described, route).toContain(route);
    });

    it('describes the request bodies', () => {
      /** A schema, or the named component it refers to. */
      const resolve = (schema: any): any => (schema?.$ref ? resolve(doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]) : schema);
      const bodyOf = (path: string, method: string) => resolve(doc.paths[path]?.[method]?.requestBody?.content?.['application/json']?.schema);
      const paths = Object.keys(doc.paths);
      const find = (pattern: RegExp) => paths.find((p) => pattern.test(p))!;
      const artifact = bodyOf('/api/artifacts', 'post');
      expect(Object.keys(artifact.properties).sort()).toEqual(['committedAt', 'group', 'name', 'revision', 'sourceUrl', 'version']);
      expect([...artifact.required].sort()).toEqual(['group', 'name', 'sourceUrl', 'version']);
      const report = bodyOf(find(/^\/api\/deployments\/\{[^}]+\}$/), 'patch');
      expect(Object.keys(report.properties)).toEqual(expect.arrayContaining(['status', 'reason']));
      expect(report.required).toEqual(['status']);
      const promotion = bodyOf(find(/^\/api\/deployments\/\{[^}]+\}\/promotions$/), 'post');
      expect(Object.keys(promotion.properties)).toEqual(expect.arrayContaining(['name', 'status', 'infoUrl', 'reason']));
      expect([...promotion.required].sort()).toEqual(['name', 'status']);
      const direct = bodyOf('/api/deployments', 'post');
      expect(direct.anyOf.map((variant: any) => [...variant.required].sort())).toEqual([
        ['artifact', 'environment', 'kind', 'service'],
        ['artifactId', 'environment', 'kind', 'service'],
      ]);
      const rollback = bodyOf(find(/\/rollback$/), 'post');
      expect(Object.keys(rollback.properties).sort()).toEqual(['reason', 'to']);
    });

    it('describes ?at= where the contract has it', () => {
      const query = (pattern: RegExp) =>
        Object.entries<any>(doc.paths)
          .filter(([path]) => pattern.test(path))
          .flatMap(([, ops]) => (ops.get?.parameters ?? []).filter((p: any) => p.in === 'query').map((p: any) => p.name));
      expect(query(/^\/api\/environments\/\{[^}]+\}\/services$/)).toContain('at');
      expect(query(/^\/api\/services\/\{[^}]+\}\/environments$/)).toContain('at');
      expect(query(/\/diff\//)).toContain('at');
    });
  });

  it('public routes answer whatever Authorization header comes along', async () => {
    for (const path of ['/health', '/metrics', '/openapi.json', '/asyncapi.json']) {
      for (const token of ['reader-secret', 'unknown-token']) {
        const response = await f.api.send({ token }, 'GET', path);
        expect(response.status, `${path} with token ${token}: ${JSON.stringify(response.body).slice(0, 200)}`).toBe(200);
      }
    }
  });

  describe('POST /api/admin/reload', () => {
    it('needs role admin: 401 without a token, 403 for ci, approver and reader', async () => {
      expectError(await f.api.send(null, 'POST', '/api/admin/reload'), 401, 'unauthorized');
      expectError(await f.api.send({ token: 'guess' }, 'POST', '/api/admin/reload'), 401, 'unauthorized');
      for (const who of ['ci', 'alice', 'reader'] as const) expectError(await f.api.send(who, 'POST', '/api/admin/reload'), 403, 'forbidden');
    });

    it('answers 200 for admin, and the configuration is served as before', async () => {
      const before = await f.api.get('/api/environments');
      const response = await f.api.send('ops', 'POST', '/api/admin/reload');
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(await f.api.get('/api/environments')).toEqual(before);
      await f.api.register();
    });

    it('GET is 405', async () => {
      const response = await f.api.send('ops', 'GET', '/api/admin/reload');
      expectError(response, 405, 'method_not_allowed');
      expect(response.headers.get('allow')).toMatch(/POST/);
    });
  });

  describe('authentication', () => {
    it.each([
      ['no header', undefined],
      ['an unknown token', 'Bearer not-a-token'],
      ['an empty bearer', 'Bearer '],
      ['another scheme', `Basic ${Buffer.from('jenkins:ci-secret').toString('base64')}`],
      ['a token without scheme', 'ci-secret'],
      ['a token with trailing text', 'Bearer ci-secret extra'],
      ['a long token', `Bearer ${'t'.repeat(8000)}`],
      ['a token of another case', 'Bearer CI-SECRET'],
    ])('%s is 401 unauthorized', async (_what, header) => {
      const response = await f.t.request('GET', '/api/artifacts', undefined, { headers: header === undefined ? {} : { authorization: header } });
      expectError(response, 401, 'unauthorized');
    });

    it('401 comes before the body is looked at', async () => {
      expectError(await f.api.send(null, 'POST', '/api/artifacts', 'not json'), 401, 'unauthorized');
      expectError(await f.api.send(null, 'PATCH', '/api/deployments/1', { status: 'BOGUS' }), 401, 'unauthorized');
    });

    it('403 comes before the body is looked at', async () => {
      expectError(await f.api.send('reader', 'POST', '/api/artifacts', 'not json'), 403, 'forbidden');
      expectError(await f.api.send('alice', 'PATCH', '/api/deployments/1', { status: 'BOGUS' }), 403, 'forbidden');
    });
  });

  describe('routing', () => {
    it.each(['/api/nope', '/nope', '/api/artifacts/1/extra', '/api', '/api/environments/dev/services/faas'])('unknown path %s is 404 not_found', async (path) => {
      expectError(await f.api.send('reader', 'GET', path), 404, 'not_found');
    });

    it('an unknown path needs no token to be 404', async () => {
      expectError(await f.api.send(null, 'GET', '/api/no-such-route'), 404, 'not_found');
    });

    it('405 names the allowed methods', async () => {
      for (const [method, path] of [
        ['DELETE', '/api/artifacts'],
        ['PUT', '/api/deployments'],
        ['PATCH', '/api/flows/1'],
        ['POST', '/health'],
        ['DELETE', '/api/deployments/1/promotions/1'],
      ] as const) {
        const response = await f.api.send('ops', method, path);
        expectError(response, 405, 'method_not_allowed');
        expect(response.headers.get('allow'), `${method} ${path}`).toMatch(/GET|POST|PATCH/);
      }
    });
  });
});
