import { afterAll, beforeAll, expect } from 'vitest';
import type { TestKernel, TestResponse } from '@deploydb/core/testing';
import { TOKENS, newArtifact, startLedger, type DatabaseMode } from './fixtures.js';

export type Who = keyof typeof TOKENS;

/** Path ids that are not positive integers (or beyond any id): always 400. */
export const BAD_IDS = ['0', '-1', '1.5', 'abc', '99999999999', '1abc'];

/** An ISO-8601 UTC timestamp. */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Raw API calls as a named token, an arbitrary token string, or nobody. */
export function apiOf(t: TestKernel) {
  const send = (who: Who | { token: string } | null, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse> => {
    const token = who === null ? undefined : typeof who === 'string' ? TOKENS[who] : who.token;
    return t.request(method, path, body, { token, headers });
  };
  /** A call expected to answer `status`; returns the body. */
  const expectStatus = async (who: Who | null, method: string, path: string, body: unknown, status: number) => {
    const response = await send(who, method, path, body);
    expect(response.status, `${method} ${path} as ${who}: ${JSON.stringify(response.body)?.slice(0, 500)}`).toBe(status);
    return response.body;
  };
  return {
    send,
    expectStatus,
    get: (path: string, who: Who = 'reader') => expectStatus(who, 'GET', path, undefined, 200),
    register: async (module = 'com.acme:foas', overrides: Record<string, unknown> = {}) => {
      const response = await send('ci', 'POST', '/api/artifacts', { ...newArtifact(module), ...overrides });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body;
    },
    report: (id: number, status: string, expected = 200, who: Who = 'ci') => expectStatus(who, 'PATCH', `/api/deployments/${id}`, { status }, expected),
    approve: (who: Who, id: number, name: string, expected = 201, extra: Record<string, unknown> = {}) =>
      expectStatus(who, 'POST', `/api/deployments/${id}/promotions`, { name, status: 'SUCCESS', ...extra }, expected),
  };
}

export type Api = ReturnType<typeof apiOf>;

/**
 * Asserts the contract's error answer: the status, and exactly `{error: {code, message, details}}`
 * (plus extra fields such as `existingId`), never a stack trace.
 */
export function expectError(response: TestResponse, status: number, code: string): { code: string; message: string; details: Array<{ path: string; message: string }>; [k: string]: unknown } {
  const context = `${status} ${code}: got ${response.status} ${JSON.stringify(response.body)?.slice(0, 500)}`;
  expect(response.status, context).toBe(status);
  expect(response.headers.get('content-type') ?? '', context).toMatch(/^application\/json/);
  expect(Object.keys(response.body ?? {}), context).toEqual(['error']);
  const error = response.body.error;
  expect(error, context).toMatchObject({ code, message: expect.any(String), details: expect.any(Array) });
  expect(error.message.length, context).toBeGreaterThan(0);
  for (const detail of error.details) expect(detail, context).toMatchObject({ path: expect.any(String), message: expect.any(String) });
  expect(JSON.stringify(response.body), context).not.toMatch(/\bat .+\.(ts|js):\d+/);
  return error;
}

/** Asserts a 422 whose details name `path` (a JSON pointer into the body). */
export function expectInvalid(response: TestResponse, path: string) {
  const error = expectError(response, 422, 'validation_failed');
  expect(error.details.map((d) => d.path), JSON.stringify(error.details)).toContain(path);
  return error;
}

/** Asserts the list shape `{items, nextCursor}`, and ascending ids when the items have ids. */
export function expectList(body: any, { ascendingIds = true } = {}) {
  expect(Object.keys(body).sort()).toEqual(['items', 'nextCursor']);
  expect(Array.isArray(body.items)).toBe(true);
  expect(body.nextCursor === null || (typeof body.nextCursor === 'string' && body.nextCursor.length > 0)).toBe(true);
  if (ascendingIds) {
    const ids = body.items.map((i: any) => i.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  }
  return body as { items: any[]; nextCursor: string | null };
}

/**
 * Follows `nextCursor` from the first page of `path` with `limit`, checking every page, and
 * returns the pages. `nextCursor` must be null exactly on the last page, which is never empty
 * unless it is the only one.
 */
export async function collectPages(api: Api, path: string, limit: number, options: { ascendingIds?: boolean } = {}) {
  const pages: Array<{ items: any[]; nextCursor: string | null }> = [];
  let cursor: string | null = null;
  const separator = path.includes('?') ? '&' : '?';
  for (let guard = 0; guard < 1000; guard++) {
    const url = `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = expectList(await api.get(url), options);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push(page);
    if (page.nextCursor === null) break;
    expect(page.items, 'a page with a nextCursor has items').toHaveLength(limit);
    cursor = page.nextCursor;
  }
  const last = pages.at(-1)!;
  expect(last.nextCursor).toBeNull();
  if (pages.length > 1) expect(last.items.length, 'no empty page at the end').toBeGreaterThan(0);
  return { pages, items: pages.flatMap((p) => p.items) };
}

/** Registers an artifact of a faas module and reports dev and integ COMPLETED: the preprod deployment is CREATED. */
export async function toPreprod(api: Api, module = 'com.acme:foas') {
  const artifact = await api.register(module);
  const flow = artifact.flows[0];
  let id = flow.deployments[0].id;
  for (const environment of ['dev', 'integ']) {
    const done = await api.report(id, 'COMPLETED');
    expect(done).toMatchObject({ environment, status: 'VERIFIED' });
    const next = (await api.get(`/api/flows/${flow.id}`)).deployments;
    id = next[next.length - 1].id;
  }
  const preprod = await api.get(`/api/deployments/${id}`);
  expect(preprod).toMatchObject({ environment: 'preprod', status: 'CREATED' });
  return { artifact, flow, preprod };
}

/** Walks a faas artifact to its prod deployment (CREATED), approving preprod with alice and bob. */
export async function toProd(api: Api, module = 'com.acme:foas') {
  const { artifact, flow, preprod } = await toPreprod(api, module);
  await api.report(preprod.id, 'COMPLETED');
  await api.approve('alice', preprod.id, 'pair-review');
  await api.approve('bob', preprod.id, 'pair-review');
  const deployments = (await api.get(`/api/flows/${flow.id}`)).deployments;
  const prod = deployments[deployments.length - 1];
  expect(prod).toMatchObject({ environment: 'prod', status: 'CREATED' });
  return { artifact, flow, preprod, prod };
}

/**
 * The deployment once the promotion worker is done with it: the same answer twice, 150 ms apart
 * (a COMPLETED deployment's results are evaluated in the background).
 */
export async function settled(api: Api, id: number, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  let previous = await api.get(`/api/deployments/${id}`);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    const current = await api.get(`/api/deployments/${id}`);
    if (JSON.stringify(current) === JSON.stringify(previous) || Date.now() > deadline) return current;
    previous = current;
  }
}

/** A string of `n` characters. */
export const longString = (n: number, ch = 'x') => ch.repeat(n);

/** The kernel and its API client of one describe block: started before its tests, destroyed after them. */
export function useLedger(mode: DatabaseMode): { t: TestKernel; api: Api } {
  const fixture = {} as { t: TestKernel; api: Api };
  beforeAll(async () => {
    fixture.t = await startLedger(mode);
    fixture.api = apiOf(fixture.t);
  });
  afterAll(() => fixture.t?.destroy());
  return fixture;
}
