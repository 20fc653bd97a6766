import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeployDbError } from '../errors.js';
import { DashboardAssets, locateDashboardDist } from './dashboardAssets.js';

describe('DashboardAssets', () => {
  let dist: string;
  beforeAll(() => {
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'deploydb-dashboard-'));
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>DeployDB</title><script type="module" src="/assets/index-AbC123.js"></script>');
    fs.writeFileSync(path.join(dist, 'assets', 'index-AbC123.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dist, 'assets', 'index-AbC123.css'), 'body{}');
    fs.writeFileSync(path.join(dist, 'secret.txt'), 'outside assets');
  });
  afterAll(() => fs.rmSync(dist, { recursive: true, force: true }));

  it('serves index.html as HTML, never cached without asking, with a same-origin content policy', async () => {
    const response = await new DashboardAssets(dist).index();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(response.headers.get('content-security-policy')).toMatch(/connect-src 'self'/);
    expect(await response.text()).toContain('/assets/index-AbC123.js');
  });

  it.each([
    ['index-AbC123.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
    ['index-AbC123.css', 'text/css; charset=utf-8', 'body{}'],
  ])('serves assets/%s with its content type, cacheable forever', async (name, type, body) => {
    const response = await new DashboardAssets(dist).asset(name);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await response.text()).toBe(body);
  });

  it.each(['missing-123.js', '../secret.txt', '..%2Fsecret.txt', '.hidden.js', 'index-AbC123.exe', 'assets'])('refuses %s with not_found', async (name) => {
    const error = await new DashboardAssets(dist).asset(name).catch((e: unknown) => e);
    expect(isDeployDbError(error) && error.code).toBe('not_found');
  });

  it('without a build, / is a 404 page saying how to build the dashboard', async () => {
    for (const assets of [new DashboardAssets(null), new DashboardAssets(path.join(dist, 'no-such-folder'))]) {
      const response = await assets.index();
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toMatch(/npm run build/);
    }
    const error = await new DashboardAssets(null).asset('index-AbC123.js').catch((e: unknown) => e);
    expect(isDeployDbError(error) && error.code).toBe('not_found');
  });

  it('finds the dashboard package by its name', () => {
    expect(locateDashboardDist()).toBe(path.join(path.dirname(fs.realpathSync(path.resolve('node_modules/@deploydb/dashboard/package.json'))), 'dist'));
  });
});
