import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentDeploymentOverHttp } from '../src/index.js';
import { deployment } from './context.js';

/** A stand-in for DeployDB's API: answers what `answer` says, and remembers each request. */
function fakeApi() {
  const requests: Array<{ url: string; authorization: string | undefined }> = [];
  let answer: (url: string) => { status: number; body?: unknown } | 'hang' = () => ({ status: 200, body: [] });
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const reply = answer(req.url ?? '');
    if (reply === 'hang') return;
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  });
  return {
    server,
    requests,
    answer: (fn: typeof answer) => void (answer = fn),
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

describe('currentDeploymentOverHttp', () => {
  const api = fakeApi();
  beforeAll(() => new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve)));
  afterAll(() => {
    api.server.closeAllConnections();
    return new Promise<void>((resolve) => api.server.close(() => resolve()));
  });
  const signal = () => new AbortController().signal;
  const lookup = (overrides: { token?: string | null; timeout?: number; apiUrl?: string } = {}) =>
    currentDeploymentOverHttp({ apiUrl: api.url(), token: 'reader-secret', timeout: 5, ...overrides });

  it("reads the service's environments with the token and answers the environment's current deployment", async () => {
    const current = deployment({ id: 12 });
    api.answer(() => ({ status: 200, body: [{ environment: 'staging', current: null, inFlight: null }, { environment: 'prod', current, inFlight: null }] }));
    expect(await lookup()({ service: 'web app', environment: 'prod' }, signal())).toEqual(current);
    expect(api.requests.at(-1)).toEqual({ url: '/api/services/web%20app/environments', authorization: 'Bearer reader-secret' });
  });

  it('sends no authorization without a token', async () => {
    api.answer(() => ({ status: 200, body: [] }));
    await lookup({ token: null })({ service: 'web', environment: 'prod' }, signal());
    expect(api.requests.at(-1)?.authorization).toBeUndefined();
  });

  it('answers null when nothing is current there, or the environment or service is no longer configured', async () => {
    api.answer(() => ({ status: 200, body: [{ environment: 'prod', current: null, inFlight: deployment() }] }));
    expect(await lookup()({ service: 'web', environment: 'prod' }, signal())).toBeNull();
    expect(await lookup()({ service: 'web', environment: 'qa' }, signal())).toBeNull();
    api.answer(() => ({ status: 404, body: { error: { code: 'not_found', message: 'service "web" not found' } } }));
    expect(await lookup()({ service: 'web', environment: 'prod' }, signal())).toBeNull();
  });

  it('throws, naming the token, when DeployDB refuses it', async () => {
    api.answer(() => ({ status: 401, body: { error: { code: 'unauthorized', message: 'unknown token' } } }));
    await expect(lookup()({ service: 'web', environment: 'prod' }, signal())).rejects.toThrow(
      /answered 401 to GET \/api\/services\/web\/environments \(the plugin config `token` needs role read\)/,
    );
  });

  it('throws when DeployDB does not answer in time', async () => {
    api.answer(() => 'hang');
    await expect(lookup({ timeout: 0.2 })({ service: 'web', environment: 'prod' }, signal())).rejects.toThrow(/did not answer GET/);
  });

  it('throws when DeployDB is not there', async () => {
    await expect(lookup({ apiUrl: 'http://127.0.0.1:9' })({ service: 'web', environment: 'prod' }, signal())).rejects.toThrow(
      /DeployDB's API at http:\/\/127.0.0.1:9 did not answer/,
    );
  });

  it('stops when the evaluation is aborted', async () => {
    api.answer(() => 'hang');
    const abort = new AbortController();
    const pending = lookup()({ service: 'web', environment: 'prod' }, abort.signal);
    abort.abort(new Error('DeployDB is stopping'));
    await expect(pending).rejects.toThrow('DeployDB is stopping');
  });
});
