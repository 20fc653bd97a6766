import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKernel, type TestKernel } from '@deploydb/core/testing';
import { expectError, useLedger } from './support/apiHelpers.js';

describe('GET /api/me with auth', () => {
  const f = useLedger('embedded');

  it.each([
    ['reader', 'reader', ['read']],
    ['ci', 'jenkins', ['read', 'ci']],
    ['alice', 'alice', ['read', 'approver']],
    ['ops', 'ops', ['read', 'ci', 'approver', 'admin']],
  ] as const)('names the caller %s and every role the token holds', async (who, name, roles) => {
    const me = await f.api.get('/api/me', who);
    expect(Object.keys(me).sort()).toEqual(['name', 'roles']);
    expect(me.name).toBe(name);
    expect([...me.roles].sort()).toEqual([...roles].sort());
  });

  it('is 401 without a token or with an unknown one', async () => {
    expectError(await f.api.send(null, 'GET', '/api/me'), 401, 'unauthorized');
    expectError(await f.api.send({ token: 'nobody' }, 'GET', '/api/me'), 401, 'unauthorized');
  });

  it('takes no query parameters and no other method', async () => {
    expectError(await f.api.send('reader', 'GET', '/api/me?as=ops'), 400, 'bad_request');
    expectError(await f.api.send('ops', 'POST', '/api/me', {}), 405, 'method_not_allowed');
  });

  it('is described in /openapi.json with the caller shape', async () => {
    const doc = await f.api.get('/openapi.json');
    const operation = doc.paths['/api/me']?.get;
    expect(operation).toBeDefined();
    const described = operation.responses['200'].content['application/json'].schema;
    const schema = described.$ref ? doc.components.schemas[described.$ref.replace('#/components/schemas/', '')] : described;
    expect(Object.keys(schema.properties).sort()).toEqual(['name', 'roles']);
    expect(operation.responses['401']).toBeDefined();
  });
});

describe('GET /api/me without auth', () => {
  let t: TestKernel;
  beforeAll(async () => {
    t = await startTestKernel({ config: 'environments: { dev: {} }\npipelines: { p: { environments: [dev] } }\nservices: { s: { name: S, artifacts: ["g:a"], pipelines: [p] } }\n', listen: false });
  });
  afterAll(() => t?.destroy());

  it('is the anonymous caller holding every role', async () => {
    const response = await t.request('GET', '/api/me');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ name: null, roles: ['read', 'ci', 'approver', 'admin'] });
  });
});
