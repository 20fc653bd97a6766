import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKernel } from '@deploydb/core/testing';
import { expectError } from './support/apiHelpers.js';
import { startLedger } from './support/fixtures.js';

const DIST = path.resolve('dashboard/dist');

describe('the kernel serves the built dashboard', () => {
  let t: TestKernel;
  beforeAll(async () => {
    if (!fs.existsSync(path.join(DIST, 'index.html'))) throw new Error(`the dashboard is not built (${DIST}): run npm run build`);
    t = await startLedger('embedded', { listen: false });
  });
  afterAll(() => t?.destroy());

  it('answers / with index.html, without a token even when auth is on', async () => {
    const response = await t.request('GET', '/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.body).toBe(fs.readFileSync(path.join(DIST, 'index.html'), 'utf8'));
    expect((await t.request('GET', '/', undefined, { token: 'not-a-token' })).status).toBe(200);
  });

  it('answers each asset the page names with its content type, cacheable forever', async () => {
    const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const response = await t.request('GET', `/assets/${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('content-type'), asset).toMatch(asset.endsWith('.js') ? /^text\/javascript/ : asset.endsWith('.css') ? /^text\/css/ : /^image\//);
      expect(response.headers.get('cache-control'), asset).toBe('public, max-age=31536000, immutable');
    }
  });

  it('names no resource on another origin', () => {
    const files = [path.join(DIST, 'index.html'), ...fs.readdirSync(path.join(DIST, 'assets')).map((f) => path.join(DIST, 'assets', f))];
    for (const file of files.filter((f) => /\.(html|css)$/.test(f))) {
      expect(fs.readFileSync(file, 'utf8'), file).not.toMatch(/(src|href)="https?:|url\(\s*['"]?https?:|@import/);
    }
  });

  it('answers anything else under /assets with the contract error, and other paths as before', async () => {
    expectError(await t.request('GET', '/assets/nope-123.js'), 404, 'not_found');
    expectError(await t.request('GET', '/assets/..%2Fpackage.json'), 404, 'not_found');
    expectError(await t.request('GET', '/index.html'), 404, 'not_found');
    expectError(await t.request('POST', '/'), 405, 'method_not_allowed');
  });

  it('describes / and /assets/{file} in /openapi.json as public', async () => {
    const doc = (await t.request('GET', '/openapi.json')).body;
    expect(doc.paths['/'].get.security).toEqual([]);
    expect(doc.paths['/assets/{file}'].get.security).toEqual([]);
  });
});
