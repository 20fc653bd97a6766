import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKernel, TestResponse } from '@deploydb/core/testing';
import { TOKENS, databaseModes, newArtifact, startLedger } from './support/fixtures.js';
import { apiOf, collectPages, expectError, expectInvalid, settled, toProd, type Api } from './support/apiHelpers.js';

const MIB = 1024 * 1024;

/** Not a 5xx; a 4xx has the contract's error body. */
function expectHandled(response: TestResponse, what: string) {
  expect(response.status, `${what}: ${JSON.stringify(response.body)?.slice(0, 300)}`).toBeLessThan(500);
  if (response.status >= 400) {
    expect(Object.keys(response.body ?? {}), what).toEqual(['error']);
    expect(response.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String), details: expect.any(Array) });
  }
}

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe.each(await databaseModes())('hostile input (%s database)', (mode) => {
  let t: TestKernel;
  let api: Api;
  /** A CREATED deployment to PATCH, and a COMPLETED prod deployment to report promotions to. */
  let target: { deployment: any; prod: any };
  beforeAll(async () => {
    t = await startLedger(mode);
    api = apiOf(t);
    const registered = await api.register();
    const { prod } = await toProd(api);
    await api.report(prod.id, 'COMPLETED');
    target = { deployment: registered.flows[0].deployments[0], prod: await settled(api, prod.id) };
  });
  afterAll(() => t?.destroy());

  const allArtifacts = async () => (await collectPages(api, '/api/artifacts', 500)).items;
  const unchanged = async () => {
    expect(await api.get(`/api/deployments/${target.deployment.id}`)).toEqual(target.deployment);
    expect(await api.get(`/api/deployments/${target.prod.id}`)).toEqual(target.prod);
  };
  /** The body routes, as callers allowed to use them. */
  const bodyRoutes = () => [
    { who: 'ci' as const, method: 'POST', path: '/api/artifacts', valid: newArtifact() },
    { who: 'ci' as const, method: 'PATCH', path: `/api/deployments/${target.deployment.id}`, valid: { status: 'STARTED' } },
    { who: 'carol' as const, method: 'POST', path: `/api/deployments/${target.prod.id}/promotions`, valid: { name: 'go-live', status: 'SUCCESS' } },
  ];

  it.each(['{"group":', '{group: "com.acme"}', "{'status':'STARTED'}", '', 'undefined', '{"status":"STARTED"}}', '\u0000', '{"status":"STARTED",}', 'NaN'])(
    'malformed JSON %j is 400 bad_request, nothing changed',
    async (raw) => {
      const before = await allArtifacts();
      for (const route of bodyRoutes()) expectError(await api.send(route.who, route.method, route.path, raw), 400, 'bad_request');
      expect(await allArtifacts()).toEqual(before);
      await unchanged();
    },
  );

  it.each(['[]', '"x"', 'null', '42', 'true', '[{"status":"STARTED"}]'])('JSON that is not an object (%s) is 422 validation_failed', async (raw) => {
    for (const route of bodyRoutes()) expectError(await api.send(route.who, route.method, route.path, raw), 422, 'validation_failed');
    await unchanged();
  });

  it('a body over 1 MiB is 413 payload_too_large, nothing stored', async () => {
    const before = await allArtifacts();
    // in-process, so that only the app's answer is looked at
    const send = async (who: keyof typeof TOKENS, method: string, path: string, body: unknown): Promise<TestResponse> => {
      const response = await t.kernel.app.request(path, {
        method,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS[who]}` },
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    };
    for (const route of bodyRoutes()) {
      const body = { ...route.valid, reason: 'r'.repeat(Math.ceil(1.1 * MIB)) };
      expectError(await send(route.who, route.method, route.path, body), 413, 'payload_too_large');
    }
    expectError(await send('ci', 'POST', '/api/artifacts', { ...newArtifact(), sourceUrl: 's'.repeat(Math.ceil(1.1 * MIB)) }), 413, 'payload_too_large');
    expect(await allArtifacts()).toEqual(before);
    await unchanged();
  });

  it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json'])(
    'content type %s is 415 unsupported_media_type, nothing changed',
    async (type) => {
      const before = await allArtifacts();
      for (const route of bodyRoutes()) {
        expectError(await api.send(route.who, route.method, route.path, JSON.stringify(route.valid), { 'content-type': type }), 415, 'unsupported_media_type');
      }
      expect(await allArtifacts()).toEqual(before);
      await unchanged();
    },
  );

  it('strings over the limits are 422 naming the field', async () => {
    expectInvalid(await api.send('ci', 'POST', '/api/artifacts', { ...newArtifact(), group: 'g'.repeat(100_000) }), '/group');
    expectInvalid(await api.send('ci', 'POST', '/api/artifacts', { ...newArtifact(), version: 'v'.repeat(100_000) }), '/version');
    expectInvalid(await api.send('ci', 'PATCH', `/api/deployments/${target.deployment.id}`, { status: 'FAILED', reason: 'r'.repeat(100_000) }), '/reason');
    expectInvalid(await api.send('carol', 'POST', `/api/deployments/${target.prod.id}/promotions`, { name: 'n'.repeat(100_000), status: 'SUCCESS' }), '/name');
    await unchanged();
  });

  it('deeply nested JSON never makes a 5xx', async () => {
    for (const route of bodyRoutes()) {
      for (const [what, raw] of [
        ['a deep array body', deepArray(100_000)],
        ['a deep object body', deepObject(50_000)],
        ['a deep array in a field', `{"status":${deepArray(100_000)},"name":"go-live","group":"g"}`],
        ['a deep object in a field', `{"status":"STARTED","reason":${deepObject(50_000)}}`],
        ['a moderately deep field', `{"status":"STARTED","reason":${deepArray(500)}}`],
      ]) {
        const response = await api.send(route.who, route.method, route.path, raw);
        expectHandled(response, `${route.method} ${route.path}: ${what}`);
        expect([400, 413, 422], `${route.method} ${route.path}: ${what}`).toContain(response.status);
      }
    }
    await unchanged();
  });

  it('unicode round-trips exactly and can be searched', async () => {
    const version = `ünïcødé-日本語-🚀-\u202eRTL-\u200bzw-${Date.now()}`;
    const created = await api.register('com.acme:foas', { version, sourceUrl: 'https://ci.test/😀/ß' });
    expect(created.version).toBe(version);
    const { flows: _f, ...artifact } = created;
    expect(await api.get(`/api/artifacts/${created.id}`)).toEqual(artifact);
    expect((await api.get(`/api/artifacts?q=${encodeURIComponent('日本語-🚀')}`)).items).toEqual([artifact]);
  });

  it('NUL characters and lone surrogates in the body never make a 5xx', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['NUL in version', { ...newArtifact(), version: `v\u0000${Date.now()}` }],
      ['NUL in sourceUrl', { ...newArtifact(), sourceUrl: 'https://x/\u0000' }],
      ['NUL in group', { ...newArtifact(), group: 'com.acme\u0000' }],
      ['lone surrogate in version', { ...newArtifact(), version: `v\ud800${Date.now()}` }],
    ];
    for (const [what, body] of cases) {
      const response = await api.send('ci', 'POST', '/api/artifacts', body);
      expectHandled(response, what);
      if (response.status === 201) {
        const { flows: _f, ...stored } = response.body;
        expect(await api.get(`/api/artifacts/${stored.id}`), what).toEqual(stored);
      }
    }
    const reason = await api.send('ci', 'PATCH', `/api/deployments/${target.deployment.id}`, { status: 'STARTED', reason: 'a\u0000b' });
    expectHandled(reason, 'NUL in a reason');
    const promotion = await api.send('carol', 'POST', `/api/deployments/${target.prod.id}/promotions`, { name: 'go\u0000live', status: 'SUCCESS' });
    expectHandled(promotion, 'NUL in a promotion name');
    const rejection = await api.send('carol', 'POST', `/api/deployments/${target.prod.id}/promotions`, { name: 'go-live', status: 'FAILED', reason: 'x\u0000y', infoUrl: '\ud800' });
    expectHandled(rejection, 'NUL in a rejection reason');
    if (reason.status === 200) target.deployment = reason.body;
    if (rejection.status === 201) target.prod = await api.get(`/api/deployments/${target.prod.id}`);
  });

  it('NUL and odd characters in paths and query strings never make a 5xx', async () => {
    for (const path of [
      '/api/artifacts?q=%00',
      '/api/artifacts?group=%00&name=%00',
      '/api/artifacts?q=%ED%A0%80',
      '/api/deployments?service=%00',
      '/api/deployments?environment=%00',
      '/api/flows?service=%00',
      '/api/artifacts/by-module/com.acme%00:foas',
      '/api/artifacts/by-module/com.acme:foas%00/latest',
      '/api/environments/%00',
      '/api/environments/%00/deployments',
      '/api/environments/dev/deployments?service=%00',
      '/api/services/%00/environments',
      '/api/promotions/%00',
      '/api/artifacts/%E0%A4%A',
      '/api/environments/%E0%A4%A',
      '/api/artifacts?q=%',
      '/api/artifacts?limit=1&limit=2',
      `/api/artifacts?q=${'x'.repeat(9000)}`,
    ]) {
      expectHandled(await api.send('reader', 'GET', path), path);
    }
  });

  it('__proto__, constructor and prototype keys are unknown fields (422), and pollute nothing', async () => {
    const before = await allArtifacts();
    const input = newArtifact();
    const fields = JSON.stringify(input).slice(1, -1);
    for (const raw of [
      `{${fields},"__proto__":{"polluted":true}}`,
      `{"__proto__":{"polluted":true},${fields}}`,
      `{${fields},"constructor":{"prototype":{"polluted":true}}}`,
      `{${fields},"prototype":{"polluted":true}}`,
    ]) {
      const error = expectError(await api.send('ci', 'POST', '/api/artifacts', raw), 422, 'validation_failed');
      expect(error.details.length, raw).toBeGreaterThan(0);
    }
    for (const raw of ['{"status":"STARTED","__proto__":{"status":"COMPLETED"}}', '{"__proto__":{"status":"COMPLETED"}}']) {
      expectError(await api.send('ci', 'PATCH', `/api/deployments/${target.deployment.id}`, raw), 422, 'validation_failed');
    }
    const promotion = `{"name":"go-live","status":"SUCCESS","__proto__":{"actor":"mallory"}}`;
    expectError(await api.send('carol', 'POST', `/api/deployments/${target.prod.id}/promotions`, promotion), 422, 'validation_failed');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).status).toBeUndefined();
    expect(await allArtifacts()).toEqual(before);
    await unchanged();
  });

  it('extra unknown fields are 422 naming them', async () => {
    for (const route of bodyRoutes()) {
      expectInvalid(await api.send(route.who, route.method, route.path, { ...route.valid, extra: 1 }), '/extra');
      expectInvalid(await api.send(route.who, route.method, route.path, { ...route.valid, 'a/b~c': 1 }), '/a~1b~0c');
    }
    await unchanged();
  });

  it('many concurrent hostile requests are all answered, then the server still works', async () => {
    const requests = Array.from({ length: 40 }, (_, i) => {
      const route = bodyRoutes()[i % 3]!;
      const bodies = ['{', '[]', deepArray(10_000), JSON.stringify({ ...route.valid, junk: 'x'.repeat(10_000) })];
      return api.send(route.who, route.method, route.path, bodies[i % bodies.length]);
    });
    for (const response of await Promise.all(requests)) expectHandled(response, 'concurrent');
    await unchanged();
  });

  it('a client sending a body over 1 MiB over HTTP reads the 413 answer (the connection is not reset first)', async () => {
    const body = JSON.stringify({ ...newArtifact(), sourceUrl: 's'.repeat(Math.ceil(1.1 * MIB)) });
    for (let attempt = 0; attempt < 6; attempt++) {
      // a connection of its own each time, so that a reset cannot affect other requests
      const outcome = await new Promise<string>((resolve) => {
        const request = http.request(
          `${t.url}/api/artifacts`,
          { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${TOKENS.ci}` } },
          (response) => {
            let text = '';
            response.on('data', (chunk) => (text += chunk));
            response.on('end', () => resolve(`${response.statusCode} ${JSON.parse(text)?.error?.code}`));
            response.on('error', (error) => resolve(`no answer: ${(error as NodeJS.ErrnoException).code}`));
          },
        );
        request.on('error', (error) => resolve(`no answer: ${(error as NodeJS.ErrnoException).code}`));
        request.end(body);
      });
      expect(outcome, `attempt ${attempt + 1}`).toBe('413 payload_too_large');
    }
  });

  it('a body over 1 MiB sent in chunks, without a length, is 413 too, answered before the rest is read; nothing stored', async () => {
    const before = await allArtifacts();
    const artifact = newArtifact();
    const chunk = 's'.repeat(64 * 1024);
    const outcome = await new Promise<string>((resolve) => {
      const request = http.request(
        `${t.url}/api/artifacts`,
        { method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.ci}` } },
        (response) => {
          let text = '';
          response.on('data', (part) => (text += part));
          response.on('end', () => resolve(`${response.statusCode} ${JSON.parse(text)?.error?.code} ${response.headers.connection}`));
          response.on('error', (error) => resolve(`no answer: ${(error as NodeJS.ErrnoException).code}`));
        },
      );
      request.on('error', (error) => resolve(`no answer: ${(error as NodeJS.ErrnoException).code}`));
      request.write(`${JSON.stringify({ ...artifact, sourceUrl: 'x' }).slice(0, -1)}, "junk": "`);
      // 2 MiB more, in chunks of 64 KiB, each written once the one before it was taken; the server answers once it read 1 MiB.
      let sent = 0;
      const more = () => {
        if (sent++ < 32) request.write(chunk, more);
      };
      more();
    });
    expect(outcome).toBe('413 payload_too_large close');
    expect(await allArtifacts()).toEqual(before);
  });

  it('a request line or headers over 16 KiB are 400 in the contract shape, not a bare status line', async () => {
    for (const [what, path, headers] of [
      ['a long path', `/api/artifacts/by-module/${'x'.repeat(17_000)}`, {}],
      ['a long query', `/api/artifacts?q=${'x'.repeat(17_000)}`, {}],
      ['a long header', '/api/artifacts', { 'x-long': 'x'.repeat(17_000) }],
    ] as const) {
      const response = await api.send('reader', 'GET', path, undefined, headers);
      const error = expectError(response, 400, 'bad_request');
      expect(error.message, what).toMatch(/16 KiB/);
    }
  });

  it('a request that is not valid HTTP is answered 400 in the contract shape', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(t.url!).port), '127.0.0.1', () => socket.write('GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toMatch(/\r\ncontent-type: application\/json/i);
    expect(JSON.parse(body!)).toEqual({ error: { code: 'bad_request', message: 'the request is not valid HTTP', details: [] } });
  });

  it('a request refused before its body was read is answered with connection: close, and the next request on a kept-alive connection is not lost', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, token: string, body?: string) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        const request = http.request(`${t.url}${path}`, { method, agent, headers }, (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection }));
        });
        request.on('error', reject);
        request.end(body);
      });
    try {
      const body = JSON.stringify({ ...newArtifact(), sourceUrl: 'é'.repeat(300_000) });
      for (const [token, path, status] of [
        [TOKENS.reader, '/api/artifacts', 403],
        ['unknown', '/api/artifacts', 401],
        [TOKENS.ci, '/api/nowhere', 404],
        [TOKENS.ci, `/api/deployments/${target.deployment.id}`, 405],
      ] as const) {
        expect(await send('POST', path, token, body)).toEqual({ status, connection: 'close' });
        expect(await send('GET', '/health', TOKENS.reader), `the request after a ${status}`).toEqual({ status: 200, connection: 'keep-alive' });
      }
    } finally {
      agent.destroy();
    }
  });

  it('still answers afterwards', async () => {
    const health = await api.send('reader', 'GET', '/health');
    expect(health.status).toBe(200);
    const created = await api.register();
    expect(await api.get(`/api/artifacts/${created.id}`)).toMatchObject({ id: created.id });
  });
});
