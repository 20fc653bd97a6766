import { beforeAll, describe, expect, it } from 'vitest';
import { databaseModes, newArtifact } from './support/fixtures.js';
import { BAD_IDS, ISO_UTC, collectPages, expectError, expectInvalid, expectList, longString, useLedger } from './support/apiHelpers.js';

const ARTIFACT_KEYS = ['committedAt', 'createdAt', 'group', 'id', 'name', 'revision', 'sourceUrl', 'version'];

describe.each(await databaseModes())('artifacts API (%s database)', (mode) => {
  const f = useLedger(mode);

  /** Every artifact of a module, through the by-module list. */
  const versionsOf = async (module: string) => (await collectPages(f.api, `/api/artifacts/by-module/${module}`, 500)).items;

  describe('POST /api/artifacts', () => {
    it('registers: 201, Location, the Artifact with every field and its flows, each with a CREATED first deployment', async () => {
      const input = newArtifact('com.acme:foas');
      const response = await f.api.send('ci', 'POST', '/api/artifacts', input);
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      const body = response.body;
      expect(Object.keys(body).sort()).toEqual([...ARTIFACT_KEYS, 'flows'].sort());
      expect(body).toMatchObject({ ...input, id: expect.any(Number) });
      expect(Number.isInteger(body.id) && body.id > 0).toBe(true);
      expect(body.createdAt).toMatch(ISO_UTC);
      expect(response.headers.get('location')).toBe(`/api/artifacts/${body.id}`);

      expect(body.flows).toHaveLength(1);
      const [flow] = body.flows;
      expect(Object.keys(flow).sort()).toEqual(['artifact', 'createdAt', 'deployments', 'id', 'pipeline', 'service', 'status', 'updatedAt']);
      expect(flow).toMatchObject({ service: 'faas', pipeline: 'devtoprod', status: 'RUNNING', artifact: { ...input, id: body.id } });
      expect(flow.deployments).toHaveLength(1);
      const [deployment] = flow.deployments;
      expect(Object.keys(deployment).sort()).toEqual(['artifact', 'createdAt', 'environment', 'flowId', 'id', 'kind', 'pipeline', 'promotions', 'reason', 'service', 'status', 'statusAt', 'updatedAt']);
      expect(deployment).toMatchObject({ flowId: flow.id, service: 'faas', pipeline: 'devtoprod', environment: 'dev', status: 'CREATED', promotions: [] });
      expect(deployment.createdAt).toMatch(ISO_UTC);
      expect(deployment.updatedAt).toMatch(ISO_UTC);

      const stored = await f.api.get(response.headers.get('location')!);
      const { flows: _flows, ...artifact } = body;
      expect(stored).toEqual(artifact);
    });

    it('starts a flow per pipeline of every service listing the module', async () => {
      const body = await f.api.register('com.acme:billing');
      expect(body.flows.map((f: any) => [f.service, f.pipeline, f.status, f.deployments.map((d: any) => [d.environment, d.status])])).toEqual([
        ['billing', 'devtoprod', 'RUNNING', [['dev', 'CREATED']]],
        ['billing', 'hotfix', 'RUNNING', [['dev', 'CREATED']]],
      ]);
    });

    it('accepts application/json with a charset', async () => {
      const response = await f.api.send('ci', 'POST', '/api/artifacts', JSON.stringify(newArtifact()), { 'content-type': 'application/json; charset=utf-8' });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
    });

    it('a second registration of the same group:name:version is 409 already_exists with existingId, and stores nothing', async () => {
      const input = newArtifact('com.acme:puppet-foas');
      const first = await f.api.register('com.acme:puppet-foas', input);
      const before = await versionsOf('com.acme:puppet-foas');
      const flowsBefore = (await collectPages(f.api, `/api/flows?artifact=${first.id}`, 500)).items;
      const again = await f.api.send('ci', 'POST', '/api/artifacts', { ...input, sourceUrl: 'https://elsewhere.test/other' });
      const error = expectError(again, 409, 'already_exists');
      expect(error.existingId).toBe(first.id);
      expect(await versionsOf('com.acme:puppet-foas')).toEqual(before);
      expect((await collectPages(f.api, `/api/flows?artifact=${first.id}`, 500)).items).toEqual(flowsBefore);
      expect((await f.api.get(`/api/artifacts/${first.id}`)).sourceUrl).toBe(input.sourceUrl);
    });

    it('the same version of another module is a different artifact', async () => {
      const input = newArtifact('com.acme:foas');
      await f.api.register('com.acme:foas', input);
      const other = await f.api.register('com.acme:puppet-foas', { version: input.version });
      expect(other).toMatchObject({ name: 'puppet-foas', version: input.version });
    });

    it('a module that no service lists is 404 no_service, and nothing is stored', async () => {
      const before = (await collectPages(f.api, '/api/artifacts', 500)).items;
      const response = await f.api.send('ci', 'POST', '/api/artifacts', { group: 'org.nobody', name: 'orphan', version: '1.0.0', sourceUrl: 'https://ci.test/orphan' });
      expectError(response, 404, 'no_service');
      // same group, unknown name; known name, other group
      expectError(await f.api.send('ci', 'POST', '/api/artifacts', { group: 'com.acme', name: 'foas-unknown', version: '1', sourceUrl: 'https://x' }), 404, 'no_service');
      expectError(await f.api.send('ci', 'POST', '/api/artifacts', { group: 'com.ACME', name: 'foas', version: '1', sourceUrl: 'https://x' }), 404, 'no_service');
      expect((await collectPages(f.api, '/api/artifacts', 500)).items).toEqual(before);
      expect((await f.api.get('/api/artifacts?q=orphan')).items).toEqual([]);
      expect((await f.api.get('/api/artifacts/by-module/org.nobody:orphan')).items).toEqual([]);
      expectError(await f.api.send('reader', 'GET', '/api/artifacts/by-module/org.nobody:orphan/latest'), 404, 'not_found');
    });

    it.each(['group', 'name', 'version', 'sourceUrl'])('a missing %s is 422 naming it', async (field) => {
      const input: Record<string, unknown> = newArtifact();
      delete input[field];
      expectInvalid(await f.api.send('ci', 'POST', '/api/artifacts', input), `/${field}`);
    });

    it.each(['group', 'name', 'version', 'sourceUrl'])('an empty, null or non-string %s is 422', async (field) => {
      for (const value of ['', null, 42, ['x'], { a: 1 }, true]) {
        expectInvalid(await f.api.send('ci', 'POST', '/api/artifacts', { ...newArtifact(), [field]: value }), `/${field}`);
      }
    });

    it('enforces the length limits: version 255, group/name/sourceUrl 8192 characters', async () => {
      const ok = await f.api.register('com.acme:foas', { version: `${Date.now()}-${longString(255 - 14, 'v')}`.slice(0, 255), sourceUrl: `https://${longString(8184, 's')}` });
      expect(ok.version).toHaveLength(255);
      expect(ok.sourceUrl).toHaveLength(8192);
      expectInvalid(await f.api.send('ci', 'POST', '/api/artifacts', { ...newArtifact(), version: longString(256) }), '/version');
      expectInvalid(await f.api.send('ci', 'POST', '/api/artifacts', { ...newArtifact(), sourceUrl: longString(8193) }), '/sourceUrl');
      expectInvalid(await f.api.send('ci', 'POST', '/api/artifacts', { ...newArtifact(), group: longString(8193) }), '/group');
      expectInvalid(await f.api.send('ci', 'POST', '/api/artifacts', { ...newArtifact(), name: longString(8193) }), '/name');
      // a string far over the limit, still under 1 MiB
      expectInvalid(await f.api.send('ci', 'POST', '/api/artifacts', { ...newArtifact(), version: longString(900_000) }), '/version');
    });

    it('a committedAt the database cannot keep (before the year 1, after 9999, in UTC) is 422, and nothing is stored', async () => {
      for (const committedAt of ['0000-06-01T00:00:00Z', '0001-01-01T00:00:00+05:00', '9999-12-31T23:59:59-05:00', '2016-12-31T23:59:60Z']) {
        const input = { ...newArtifact(), committedAt };
        expectInvalid(await f.api.send('ci', 'POST', '/api/artifacts', input), '/committedAt');
        expect((await f.api.get(`/api/artifacts?q=${encodeURIComponent(input.version)}`)).items).toEqual([]);
      }
      const earliest = await f.api.register('com.acme:foas', { committedAt: '0001-01-01T00:00:00Z' });
      expect(earliest.committedAt).toBe('0001-01-01T00:00:00.000Z');
      const latest = await f.api.register('com.acme:foas', { committedAt: '9999-12-31T23:59:59.999Z' });
      expect(latest.committedAt).toBe('9999-12-31T23:59:59.999Z');
    });

    it('an unknown field is 422 naming it, and nothing is stored', async () => {
      const input = newArtifact();
      const error = expectError(await f.api.send('ci', 'POST', '/api/artifacts', { ...input, branch: 'main' }), 422, 'validation_failed');
      expect(error.details.map((d) => d.path)).toContain('/branch');
      expect((await f.api.get(`/api/artifacts?q=${encodeURIComponent(input.version)}`)).items).toEqual([]);
    });

    it('needs a token with role ci or admin: 401 without, 403 for reader and approver, nothing stored', async () => {
      const input = newArtifact();
      expectError(await f.api.send(null, 'POST', '/api/artifacts', input), 401, 'unauthorized');
      expectError(await f.api.send({ token: 'not-a-token' }, 'POST', '/api/artifacts', input), 401, 'unauthorized');
      expectError(await f.api.send('reader', 'POST', '/api/artifacts', input), 403, 'forbidden');
      expectError(await f.api.send('alice', 'POST', '/api/artifacts', input), 403, 'forbidden');
      expect((await f.api.get(`/api/artifacts?q=${encodeURIComponent(input.version)}`)).items).toEqual([]);
      const byAdmin = await f.api.send('ops', 'POST', '/api/artifacts', input);
      expect(byAdmin.status).toBe(201);
    });
  });

  describe('GET /api/artifacts/{id}', () => {
    it('answers one artifact, exactly its fields', async () => {
      const { flows: _f, ...registered } = await f.api.register();
      const artifact = await f.api.get(`/api/artifacts/${registered.id}`);
      expect(artifact).toEqual(registered);
      expect(Object.keys(artifact).sort()).toEqual(ARTIFACT_KEYS);
    });

    it('an unknown id is 404 not_found', async () => {
      expectError(await f.api.send('reader', 'GET', '/api/artifacts/2147483647'), 404, 'not_found');
    });

    it.each(BAD_IDS)('id %s is 400 bad_request', async (id) => {
      expectError(await f.api.send('reader', 'GET', `/api/artifacts/${id}`), 400, 'bad_request');
    });

    it('is immutable: PATCH, PUT and DELETE are 405 with an allow header, and change nothing', async () => {
      const { flows: _f, ...registered } = await f.api.register();
      for (const method of ['PATCH', 'DELETE', 'PUT']) {
        const response = await f.api.send('ops', method, `/api/artifacts/${registered.id}`, method === 'DELETE' ? undefined : { version: '9.9.9' });
        expectError(response, 405, 'method_not_allowed');
        const allow = (response.headers.get('allow') ?? '').split(/,\s*/);
        expect(allow).toContain('GET');
        expect(allow).not.toContain(method);
      }
      expect(await f.api.get(`/api/artifacts/${registered.id}`)).toEqual(registered);
    });

    it('needs a token: 401 without or with an unknown one', async () => {
      expectError(await f.api.send(null, 'GET', '/api/artifacts/1'), 401, 'unauthorized');
      expectError(await f.api.send({ token: 'nope' }, 'GET', '/api/artifacts/1'), 401, 'unauthorized');
      expectError(await f.api.send(null, 'GET', '/api/artifacts'), 401, 'unauthorized');
    });
  });

  describe('GET /api/artifacts', () => {
    it('lists {items, nextCursor} in ascending id order, each an Artifact', async () => {
      await f.api.register();
      const page = expectList(await f.api.get('/api/artifacts'));
      expect(page.items.length).toBeGreaterThan(0);
      for (const item of page.items) expect(Object.keys(item).sort()).toEqual(ARTIFACT_KEYS);
    });

    it('every role may read', async () => {
      for (const who of ['reader', 'ci', 'alice', 'ops'] as const) await f.api.get('/api/artifacts?limit=1', who);
    });

    it.each(['0', '501', 'abc', '-1', '1.5', ''])('?limit=%s is 400 bad_request', async (limit) => {
      expectError(await f.api.send('reader', 'GET', `/api/artifacts?limit=${limit}`), 400, 'bad_request');
    });

    it('accepts ?limit=1 and ?limit=500', async () => {
      expect(expectList(await f.api.get('/api/artifacts?limit=1')).items).toHaveLength(1);
      expectList(await f.api.get('/api/artifacts?limit=500'));
    });

    it('defaults to 50 items a page', async () => {
      const all = (await collectPages(f.api, '/api/artifacts', 500)).items;
      for (let i = all.length; i < 51; i++) await f.api.register(i % 2 ? 'com.acme:foas' : 'com.acme:puppet-foas');
      const page = expectList(await f.api.get('/api/artifacts'));
      expect(page.items).toHaveLength(50);
      expect(page.nextCursor).not.toBeNull();
    });

    it('pages with ?cursor: every item exactly once, nextCursor null exactly at the end', async () => {
      const all = (await collectPages(f.api, '/api/artifacts', 500)).items;
      expect(all.length).toBeGreaterThan(7);
      const ids = all.map((a) => a.id);
      for (const limit of [1, 3, 7, all.length - 1, all.length]) {
        const { pages, items } = await collectPages(f.api, '/api/artifacts', limit);
        expect(items.map((a) => a.id), `limit ${limit}`).toEqual(ids);
        expect(pages).toHaveLength(Math.ceil(all.length / limit));
      }
      // a page exactly at the end answers nextCursor null, not a cursor to an empty page
      const exact = expectList(await f.api.get(`/api/artifacts?limit=${all.length}`));
      expect(exact.nextCursor).toBeNull();
    });

    it('a cursor keeps working when items are added after it', async () => {
      const first = expectList(await f.api.get('/api/artifacts?limit=2'));
      const added = await f.api.register();
      const { items } = await collectPages(f.api, `/api/artifacts?cursor=${encodeURIComponent(first.nextCursor!)}`, 500);
      expect(items.map((a) => a.id)).toContain(added.id);
      expect(items.every((a) => a.id > first.items[1].id)).toBe(true);
    });

    it.each([
      ['garbage', 'abc'],
      ['zero bytes', 'AAAA'],
      ['negative position', Buffer.from('p-1').toString('base64url')],
      ['other prefix', Buffer.from('x12').toString('base64url')],
      ['JSON', Buffer.from('{"id":1}').toString('base64url')],
      ['NUL', '%00'],
      ['5000 characters', 'p'.repeat(5000)],
    ])('a forged cursor (%s) is 400 bad_request', async (_what, cursor) => {
      expectError(await f.api.send('reader', 'GET', `/api/artifacts?cursor=${cursor}`), 400, 'bad_request');
    });

    describe('search ?q=', () => {
      let tag: string;
      let plain: any;
      let underscore: any;
      let percent: any;
      beforeAll(async () => {
        tag = `Qz${Date.now().toString(36)}`;
        plain = await f.api.register('com.acme:foas', { version: `2.0.0-${tag}-xay` });
        underscore = await f.api.register('com.acme:foas', { version: `2.0.0-${tag}-x_y` });
        percent = await f.api.register('com.acme:puppet-foas', { version: `2.0.0-${tag}-x%y` });
      });

      const search = async (q: string) => (await collectPages(f.api, `/api/artifacts?q=${encodeURIComponent(q)}`, 500)).items.map((a) => a.id);

      it('matches a substring of the version, case-insensitively, in id order', async () => {
        expect(await search(tag)).toEqual([plain.id, underscore.id, percent.id]);
        expect(await search(tag.toUpperCase())).toEqual([plain.id, underscore.id, percent.id]);
        expect(await search(`${tag.toLowerCase()}-XAY`)).toEqual([plain.id]);
      });

      it('treats _ and % literally', async () => {
        expect(await search(`${tag}-x_y`)).toEqual([underscore.id]);
        expect(await search(`${tag}-x%y`)).toEqual([percent.id]);
        expect(await search(`${tag}-x%`)).toEqual([percent.id]);
        expect(await search(`${tag}_`)).toEqual([]);
        expect(await search(`${tag}%`)).toEqual([]);
      });

      it('matches a substring of the group or name', async () => {
        const byName = await collectPages(f.api, '/api/artifacts?q=PUPPET-f', 500);
        expect(byName.items.length).toBeGreaterThan(0);
        expect(byName.items.every((a) => a.name === 'puppet-foas')).toBe(true);
        expect(byName.items.map((a) => a.id)).toContain(percent.id);
        const byGroup = await collectPages(f.api, '/api/artifacts?q=ACME', 500);
        const all = await collectPages(f.api, '/api/artifacts', 500);
        expect(byGroup.items).toEqual(all.items);
      });

      it('no match is 200 with items []', async () => {
        expect(await f.api.get('/api/artifacts?q=no-such-thing-anywhere')).toEqual({ items: [], nextCursor: null });
      });

      it('pages search results', async () => {
        const { items, pages } = await collectPages(f.api, `/api/artifacts?q=${tag}`, 1);
        expect(items.map((a) => a.id)).toEqual([plain.id, underscore.id, percent.id]);
        expect(pages).toHaveLength(3);
      });

      it('filters by ?group= and ?name=', async () => {
        const named = (await collectPages(f.api, '/api/artifacts?group=com.acme&name=puppet-foas', 500)).items;
        expect(named.length).toBeGreaterThan(0);
        expect(named.every((a) => a.group === 'com.acme' && a.name === 'puppet-foas')).toBe(true);
        expect(named.map((a) => a.id)).toContain(percent.id);
        expect((await f.api.get('/api/artifacts?group=org.none')).items).toEqual([]);
      });
    });
  });

  describe('GET /api/artifacts/by-module/{group}:{name}', () => {
    it('lists the versions of a module, oldest first, and only them; pages', async () => {
      const a = await f.api.register('com.acme:billing', { version: '3.0.0' });
      const b = await f.api.register('com.acme:billing', { version: '1.0.0' });
      const list = expectList(await f.api.get('/api/artifacts/by-module/com.acme:billing'));
      expect(list.items.every((i) => i.group === 'com.acme' && i.name === 'billing')).toBe(true);
      const ids = list.items.map((i) => i.id);
      expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
      const paged = await collectPages(f.api, '/api/artifacts/by-module/com.acme:billing', 1);
      expect(paged.items.map((i) => i.id)).toEqual(ids);
    });

    it('/latest is the newest registered version (not the highest version string)', async () => {
      await f.api.register('com.acme:billing', { version: `9.0.0-${Date.now()}` });
      const newest = await f.api.register('com.acme:billing', { version: `0.0.1-${Date.now()}` });
      const { flows: _f, ...expected } = newest;
      expect(await f.api.get('/api/artifacts/by-module/com.acme:billing/latest')).toEqual(expected);
    });

    it('an unknown module: the list is empty, /latest is 404 not_found', async () => {
      expect(await f.api.get('/api/artifacts/by-module/org.none:ghost')).toEqual({ items: [], nextCursor: null });
      expectError(await f.api.send('reader', 'GET', '/api/artifacts/by-module/org.none:ghost/latest'), 404, 'not_found');
      expectError(await f.api.send('reader', 'GET', '/api/artifacts/by-module/com.acme:ghost/latest'), 404, 'not_found');
    });

    it('a module that is not group:name is 400', async () => {
      expectError(await f.api.send('reader', 'GET', '/api/artifacts/by-module/no-colon'), 400, 'bad_request');
      expectError(await f.api.send('reader', 'GET', '/api/artifacts/by-module/a:b:c/latest'), 400, 'bad_request');
    });

    it('checks ?limit and ?cursor', async () => {
      expectError(await f.api.send('reader', 'GET', '/api/artifacts/by-module/com.acme:foas?limit=0'), 400, 'bad_request');
      expectError(await f.api.send('reader', 'GET', '/api/artifacts/by-module/com.acme:foas?limit=501'), 400, 'bad_request');
      expectError(await f.api.send('reader', 'GET', '/api/artifacts/by-module/com.acme:foas?cursor=forged'), 400, 'bad_request');
    });

    it('needs a token', async () => {
      expectError(await f.api.send(null, 'GET', '/api/artifacts/by-module/com.acme:foas'), 401, 'unauthorized');
      expectError(await f.api.send(null, 'GET', '/api/artifacts/by-module/com.acme:foas/latest'), 401, 'unauthorized');
    });
  });
});
