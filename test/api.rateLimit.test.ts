/**
 * `server.rateLimit` (CONTRACT §15) on a full server: a token bucket per token (per client
 * address without one), 429 `rate_limited` with `Retry-After`, refilled as the clock moves; the
 * health and metrics routes are never limited. Tokens given by their hash authenticate as any.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, startTestKernel, type TestKernel } from '@deploydb/core/testing';
import manual from '../plugins/promotion-manual/src/index.js';
import { LEDGER_CONFIG, TOKENS, newArtifact } from './support/fixtures.js';
import { apiOf, expectError, type Api } from './support/apiHelpers.js';

const PER_MINUTE = 5;
const hashOf = (token: string) => `sha256:${createHash('sha256').update(token).digest('hex')}`;

describe('rate limits per token', () => {
  const clock = new ManualClock(new Date('2030-06-01T12:00:00.000Z'));
  let t: TestKernel;
  let api: Api;

  beforeAll(async () => {
    // The reader's token is given by its hash only.
    const config = LEDGER_CONFIG.replace(`{ name: reader, token: "${TOKENS.reader}", roles: [read] }`, `{ name: reader, tokenHash: "${hashOf(TOKENS.reader)}", roles: [read] }`);
    expect(config).not.toContain(TOKENS.reader);
    t = await startTestKernel({
      config: `server: { host: 127.0.0.1, rateLimit: { perMinute: ${PER_MINUTE} } }\n${config}`,
      plugins: { '@deploydb/promotion-manual': manual },
      clock,
    });
    api = apiOf(t);
  });
  afterAll(async () => {
    await t?.destroy();
  });

  /** Status of `count` GETs in a row as `who`. */
  const statuses = async (who: Parameters<Api['send']>[0], count: number, path = '/api/environments') => {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) seen.push((await api.send(who, 'GET', path)).status);
    return seen;
  };

  it('lets a burst of perMinute through, then answers 429 with the seconds until the next request', async () => {
    expect(await statuses('reader', PER_MINUTE)).toEqual(Array(PER_MINUTE).fill(200));
    const refused = await api.send('reader', 'GET', '/api/environments');
    expectError(refused, 429, 'rate_limited');
    // One request comes back every 60 / 5 = 12 s.
    expect(refused.headers.get('retry-after')).toBe('12');
  });

  it('refills at perMinute a minute, as the clock moves', async () => {
    clock.advance(11);
    expect((await api.send('reader', 'GET', '/api/environments')).headers.get('retry-after')).toBe('1');
    clock.advance(1);
    expect(await statuses('reader', 2)).toEqual([200, 429]);
    clock.advance(60);
    expect(await statuses('reader', PER_MINUTE + 1)).toEqual([...Array(PER_MINUTE).fill(200), 429]);
  });

  it('gives each token a bucket of its own', async () => {
    expect((await api.send('reader', 'GET', '/api/environments')).status).toBe(429);
    expect(await statuses('ops', PER_MINUTE + 1)).toEqual([...Array(PER_MINUTE).fill(200), 429]);
    expect((await api.send('ci', 'POST', '/api/artifacts', newArtifact())).status).toBe(201);
  });

  it('limits callers without a valid token by their address, 401s included', async () => {
    const unknown = await statuses({ token: 'not-a-token' }, PER_MINUTE);
    expect(unknown).toEqual(Array(PER_MINUTE).fill(401));
    expectError(await api.send(null, 'GET', '/api/environments'), 429, 'rate_limited');
    // A known token is not held back by the address's bucket.
    clock.advance(60);
    expect((await api.send('reader', 'GET', '/api/environments')).status).toBe(200);
  });

  it('never limits /health, /metrics and /openapi.json', async () => {
    for (const path of ['/health', '/metrics', '/openapi.json']) {
      expect(await statuses(null, PER_MINUTE * 3, path), path).toEqual(Array(PER_MINUTE * 3).fill(200));
    }
  });

  it('records a write refused for its rate, and not a read', async () => {
    clock.advance(60);
    const before = await t.kernel.db.sql<{ n: number }>("select count(*)::int as n from audit_entry where outcome = 429");
    await statuses('ci', PER_MINUTE);
    expectError(await api.send('ci', 'GET', '/api/environments'), 429, 'rate_limited');
    const refused = await api.send('ci', 'PATCH', '/api/deployments/1', { status: 'STARTED' });
    expectError(refused, 429, 'rate_limited');
    const rows = await t.kernel.db.sql<any>('select actor, action, target, outcome, detail from audit_entry where outcome = 429 order by id');
    expect(rows.length - before[0]!.n).toBe(1);
    expect(rows.at(-1)).toMatchObject({ actor: 'jenkins', action: 'deployment.report', target: 'deployments/1', outcome: 429 });
  });

  it('describes the 429 and its Retry-After on every route behind a token', async () => {
    const document = (await api.send(null, 'GET', '/openapi.json')).body;
    for (const path of ['/health', '/metrics']) expect(document.paths[path].get.security, `${path} is public`).toEqual([]);
    for (const [path, operations] of Object.entries<any>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(operations)) {
        // Behind a token: every operation but the public ones (security: []), which are never limited.
        const limited = !(Array.isArray(operation.security) && operation.security.length === 0);
        expect(Boolean(operation.responses['429']), `${method} ${path}`).toBe(limited);
        if (limited) expect(operation.responses['429'].headers['Retry-After']).toBeDefined();
      }
    }
  });
});
