import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestKernel, type TestKernel } from '@deploydb/core/testing';
import sourceFiles from '../src/index.js';

const SERVICES = `
environments: { dev: {} }
pipelines:
  main: { environments: [dev] }
services:
  shop: { name: Shop, artifacts: ["com.acme:shop", "com.acme:cart"], pipelines: [main] }
`;

const configFor = (dir: string, mirror = false) => `plugins:\n  - package: "@deploydb/source-files"\n    config: { dir: ${JSON.stringify(dir)}, mirror: ${mirror} }\n${SERVICES}`;

const start = (dir: string, mirror = false) => startTestKernel({ config: configFor(dir, mirror), plugins: { '@deploydb/source-files': sourceFiles } });

function write(dir: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const versions = async (t: TestKernel) => ((await t.request('GET', '/api/artifacts?limit=500')).body.items as Array<{ version: string }>).map((a) => a.version).sort();
const folder = () => fs.mkdtempSync(path.join(os.tmpdir(), 'deploydb-source-files-'));

describe('@deploydb/source-files', () => {
  const dirs: string[] = [];
  const kernels: TestKernel[] = [];
  afterAll(async () => {
    for (const t of kernels) await t.destroy();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('a folder of artifact files', () => {
    let dir: string;
    let t: TestKernel;
    beforeAll(async () => {
      dir = folder();
      dirs.push(dir);
      write(dir, 'shop-1.yaml', 'group: com.acme\nname: shop\nversion: "1.0.0"\nsourceUrl: https://git.acme.test/shop\nrevision: abc123\ncommittedAt: 2026-11-02T10:00:00Z\n');
      write(dir, 'nested/deeper/list.yml', '- { group: com.acme, name: cart, version: "2.0.0", sourceUrl: "https://git.acme.test/cart" }\n- { group: com.acme, name: cart, version: "2.0.1", sourceUrl: "https://git.acme.test/cart" }\n');
      write(dir, 'notes.txt', 'not an artifact file');
      t = await start(dir);
      kernels.push(t);
    }, 60_000);

    it('registers every artifact of the files there at start, in subfolders too, as source:<id>', async () => {
      expect(await versions(t)).toEqual(['1.0.0', '2.0.0', '2.0.1']);
      const shop = (await t.request('GET', '/api/artifacts?name=shop')).body.items[0];
      expect(shop).toMatchObject({ revision: 'abc123', committedAt: '2026-11-02T10:00:00.000Z' });
      const audit = (await t.request('GET', '/api/audit?action=artifact.register')).body.items;
      expect(audit.map((entry: { actor: string }) => entry.actor)).toEqual(['source:source-files', 'source:source-files', 'source:source-files']);
      expect((await t.request('GET', '/health')).body.checks['@deploydb/source-files'].status).toBe('ok');
    });

    it('registers files added and changed while running, each artifact once', async () => {
      write(dir, 'later/shop-2.yaml', 'group: com.acme\nname: shop\nversion: "1.1.0"\nsourceUrl: https://git.acme.test/shop\n');
      await until(() => versions(t), (v) => v.includes('1.1.0'), 'the added file');
      // The same file again with one more artifact: the first is already registered, not an error.
      write(dir, 'later/shop-2.yaml', '- { group: com.acme, name: shop, version: "1.1.0", sourceUrl: "https://git.acme.test/shop" }\n- { group: com.acme, name: shop, version: "1.2.0", sourceUrl: "https://git.acme.test/shop" }\n');
      expect(await until(() => versions(t), (v) => v.includes('1.2.0'), 'the changed file')).toEqual(['1.0.0', '1.1.0', '1.2.0', '2.0.0', '2.0.1']);
      expect((await t.request('GET', '/health')).body.checks['@deploydb/source-files'].status).toBe('ok');
    });

    it('reports a file that does not parse or fails the schema in /health, registering nothing from it', async () => {
      write(dir, 'broken.yaml', 'group: [unclosed\n');
      write(dir, 'wrong.yaml', '- { group: com.acme, name: shop, version: "9.0.0", sourceUrl: "https://git.acme.test/shop" }\n- { group: com.acme, name: shop }\n');
      const check = await until(
        async () => (await t.request('GET', '/health')).body.checks['@deploydb/source-files'],
        (c) => c.status === 'degraded' && c.detail.includes('broken.yaml') && c.detail.includes('wrong.yaml'),
        'both files reported',
      );
      expect(check.detail).toMatch(/broken\.yaml: not valid YAML/);
      expect(check.detail).toMatch(/wrong\.yaml: not an artifact: \[1\]\/?.*version/);
      expect(await versions(t)).not.toContain('9.0.0');
      // Fixed, it registers and the report goes.
      write(dir, 'broken.yaml', 'group: com.acme\nname: shop\nversion: "3.0.0"\nsourceUrl: https://git.acme.test/shop\n');
      fs.rmSync(path.join(dir, 'wrong.yaml'));
      await until(() => versions(t), (v) => v.includes('3.0.0'), 'the fixed file');
      await until(async () => (await t.request('GET', '/health')).body.checks['@deploydb/source-files'].status, (s) => s === 'ok', 'health ok again');
    });
  });

  describe('mirror', () => {
    let mirrored: string;
    beforeAll(() => {
      mirrored = folder();
      dirs.push(mirrored);
    });

    it('writes every artifact registered by any means as <group>/<name>/<version>.yaml', async () => {
      write(mirrored, 'incoming/cart.yaml', 'group: com.acme\nname: cart\nversion: "5.0.0"\nsourceUrl: https://git.acme.test/cart\n');
      const t = await start(mirrored, true);
      kernels.push(t);
      const body = { group: 'com.acme', name: 'shop', version: '7.0.0', sourceUrl: 'https://git.acme.test/shop', revision: 'f00d', committedAt: '2026-12-01T08:00:00.000Z' };
      expect((await t.request('POST', '/api/artifacts', body)).status).toBe(201);
      const file = path.join(mirrored, 'com.acme', 'shop', '7.0.0.yaml');
      await until(async () => fs.existsSync(file), (exists) => exists, 'the mirrored file');
      expect(parse(fs.readFileSync(file, 'utf8'))).toEqual(body);
      await until(async () => fs.existsSync(path.join(mirrored, 'com.acme', 'cart', '5.0.0.yaml')), (exists) => exists, 'the file-registered artifact mirrored');
      // Written atomically: no temporary file is left behind.
      const leftovers = fs.readdirSync(path.join(mirrored, 'com.acme', 'shop')).filter((name) => name.endsWith('.tmp'));
      expect(leftovers).toEqual([]);
      await t.stop();
    });

    it('replays a mirrored folder into an empty database, giving the same artifacts', async () => {
      const first = kernels[kernels.length - 1]!;
      const before = await first.request('GET', '/api/artifacts?limit=500').catch(() => null);
      expect(before).toBeNull(); // stopped
      const replayed = folder();
      dirs.push(replayed);
      fs.cpSync(path.join(mirrored, 'com.acme'), path.join(replayed, 'com.acme'), { recursive: true });
      const t = await start(replayed);
      kernels.push(t);
      const fields = ({ group, name, version, sourceUrl, revision, committedAt }: Record<string, unknown>) => ({ group, name, version, sourceUrl, revision, committedAt });
      const items = (await t.request('GET', '/api/artifacts?limit=500')).body.items.map(fields);
      expect(items.sort((a: { version: string }, b: { version: string }) => a.version.localeCompare(b.version))).toEqual([
        { group: 'com.acme', name: 'cart', version: '5.0.0', sourceUrl: 'https://git.acme.test/cart', revision: null, committedAt: null },
        { group: 'com.acme', name: 'shop', version: '7.0.0', sourceUrl: 'https://git.acme.test/shop', revision: 'f00d', committedAt: '2026-12-01T08:00:00.000Z' },
      ]);
    });
  });
});
