import { describe, expect, it } from 'vitest';
import { databaseModes } from './support/fixtures.js';
import { collectPages, expectError, expectList, toPreprod, useLedger } from './support/apiHelpers.js';

const ENVIRONMENTS = [
  { key: 'dev', description: 'Development', url: 'http://dev.internal', hosts: [] },
  { key: 'integ', description: 'Integration', url: null, hosts: [] },
  { key: 'preprod', description: null, url: 'http://preprod.internal', hosts: [] },
  { key: 'prod', description: null, url: null, hosts: ['http://prod-1.internal', 'http://prod-2.internal'] },
];
const PIPELINES = [
  {
    key: 'devtoprod',
    environments: [
      { name: 'dev', promotions: [] },
      { name: 'integ', promotions: [] },
      { name: 'preprod', promotions: ['pair-review'] },
      { name: 'prod', promotions: ['go-live'] },
    ],
  },
  { key: 'hotfix', environments: [{ name: 'dev', promotions: [] }, { name: 'prod', promotions: [] }] },
];
const SERVICES = [
  { key: 'faas', name: 'Fun as a Service', artifacts: ['com.acme:foas', 'com.acme:puppet-foas'], pipelines: ['devtoprod'], promotions: [] },
  { key: 'billing', name: 'Billing', artifacts: ['com.acme:billing'], pipelines: ['devtoprod', 'hotfix'], promotions: [] },
];

describe.each(await databaseModes())('configuration API (%s database)', (mode) => {
  const f = useLedger(mode);

  const collections = [
    { path: '/api/environments', keys: ENVIRONMENTS.map((e) => e.key) },
    { path: '/api/pipelines', keys: PIPELINES.map((p) => p.key) },
    { path: '/api/promotions', keys: ['pair-review', 'go-live'] },
    { path: '/api/services', keys: SERVICES.map((s) => s.key) },
  ];

  describe.each(collections)('$path', ({ path, keys }) => {
    it('lists in file order as {items, nextCursor: null}', async () => {
      const list = expectList(await f.api.get(path), { ascendingIds: false });
      expect(list.items.map((i) => i.key)).toEqual(keys);
      expect(list.nextCursor).toBeNull();
    });

    it('pages with ?limit and ?cursor: every item once, nextCursor null exactly at the end', async () => {
      for (let limit = 1; limit <= keys.length; limit++) {
        const { items, pages } = await collectPages(f.api, path, limit, { ascendingIds: false });
        expect(items.map((i) => i.key), `limit ${limit}`).toEqual(keys);
        expect(pages).toHaveLength(Math.ceil(keys.length / limit));
      }
    });

    it('checks ?limit and ?cursor (400)', async () => {
      for (const limit of ['0', '501', 'abc', '-2']) expectError(await f.api.send('reader', 'GET', `${path}?limit=${limit}`), 400, 'bad_request');
      for (const cursor of ['forged', Buffer.from('q1').toString('base64url'), 'x'.repeat(300)]) {
        expectError(await f.api.send('reader', 'GET', `${path}?cursor=${cursor}`), 400, 'bad_request');
      }
    });

    it('answers each item by key; an unknown key is 404 not_found', async () => {
      const list = (await f.api.get(path)).items;
      for (const item of list) expect(await f.api.get(`${path}/${encodeURIComponent(item.key)}`)).toEqual(item);
      expectError(await f.api.send('reader', 'GET', `${path}/no-such-key`), 404, 'not_found');
    });

    it('needs a token; every role may read', async () => {
      expectError(await f.api.send(null, 'GET', path), 401, 'unauthorized');
      expectError(await f.api.send({ token: 'nope' }, 'GET', `${path}/${keys[0]}`), 401, 'unauthorized');
      for (const who of ['reader', 'ci', 'alice', 'ops'] as const) await f.api.get(path, who);
    });

    it('is read-only: POST, PUT, DELETE are 405 with an allow header', async () => {
      for (const [method, target] of [
        ['POST', path],
        ['PUT', `${path}/${keys[0]}`],
        ['DELETE', `${path}/${keys[0]}`],
      ] as const) {
        const response = await f.api.send('ops', method, target, method === 'DELETE' ? undefined : {});
        expectError(response, 405, 'method_not_allowed');
        expect(response.headers.get('allow')).toMatch(/GET/);
      }
    });
  });

  it('environments appear as loaded, with absent fields null or []', async () => {
    expect((await f.api.get('/api/environments')).items).toEqual(ENVIRONMENTS);
    expect(await f.api.get('/api/environments/integ')).toEqual(ENVIRONMENTS[1]);
  });

  it('pipelines appear as loaded', async () => {
    expect((await f.api.get('/api/pipelines')).items).toEqual(PIPELINES);
  });

  it('services appear as loaded, with absent lists []', async () => {
    expect((await f.api.get('/api/services')).items).toEqual(SERVICES);
  });

  it("promotions appear as loaded, with the plugin's defaults filled in", async () => {
    const [pairReview, goLive] = (await f.api.get('/api/promotions')).items;
    expect(pairReview).toEqual({ key: 'pair-review', type: 'manual', approvers: ['alice', 'bob'], required: 2 });
    expect(goLive).toMatchObject({ key: 'go-live', type: 'manual', required: 1 });
  });

  describe('/api/environments/{name}/deployments', () => {
    it('lists the deployments there, ascending, paged; filters by service and status', async () => {
      const { preprod } = await toPreprod(f.api);
      await toPreprod(f.api, 'com.acme:puppet-foas');
      const reg = await f.api.register('com.acme:billing');
      const all = (await collectPages(f.api, '/api/environments/dev/deployments', 500)).items;
      expect(all.length).toBeGreaterThanOrEqual(4);
      expect(all.every((d) => d.environment === 'dev')).toBe(true);
      expect((await collectPages(f.api, '/api/environments/dev/deployments', 1)).items).toEqual(all);
      const inPreprod = (await collectPages(f.api, '/api/environments/preprod/deployments', 500)).items;
      expect(inPreprod.map((d) => d.id)).toContain(preprod.id);
      const billing = (await collectPages(f.api, '/api/environments/dev/deployments?service=billing', 500)).items;
      expect(billing.map((d) => d.artifact.id)).toEqual([reg.id, reg.id]);
      const verified = (await collectPages(f.api, '/api/environments/dev/deployments?status=VERIFIED', 500)).items;
      expect(verified.length).toBeGreaterThanOrEqual(2);
      expect(verified.every((d) => d.status === 'VERIFIED')).toBe(true);
      expect(await f.api.get('/api/environments/prod/deployments')).toEqual({ items: [], nextCursor: null });
    });

    it('an unknown environment is 404; a bad status, limit or cursor is 400', async () => {
      expectError(await f.api.send('reader', 'GET', '/api/environments/mars/deployments'), 404, 'not_found');
      expectError(await f.api.send('reader', 'GET', '/api/environments/dev/deployments?status=DONE'), 400, 'bad_request');
      expectError(await f.api.send('reader', 'GET', '/api/environments/dev/deployments?limit=0'), 400, 'bad_request');
      expectError(await f.api.send('reader', 'GET', '/api/environments/dev/deployments?limit=501'), 400, 'bad_request');
      expectError(await f.api.send('reader', 'GET', '/api/environments/dev/deployments?cursor=zzz'), 400, 'bad_request');
      expectError(await f.api.send(null, 'GET', '/api/environments/dev/deployments'), 401, 'unauthorized');
    });
  });

  describe('/api/environments/{name}/services and /api/services/{name}/environments', () => {
    it('show what runs where: current = newest COMPLETED or VERIFIED, in flight = newest CREATED or STARTED', async () => {
      // billing: one artifact verified in dev (devtoprod), the hotfix flow's dev deployment started
      const first = await f.api.register('com.acme:billing');
      const [viaMain, viaHotfix] = first.flows;
      await f.api.report(viaMain.deployments[0].id, 'COMPLETED');
      await f.api.report(viaHotfix.deployments[0].id, 'STARTED');

      const devServices = await f.api.get('/api/environments/dev/services');
      expect(Array.isArray(devServices)).toBe(true);
      const billingInDev = devServices.find((s: any) => s.service === 'billing');
      expect(Object.keys(billingInDev).sort()).toEqual(['artifact', 'deploymentId', 'service', 'since', 'status']);
      const { flows: _f, ...artifact } = first;
      expect(billingInDev).toEqual({ service: 'billing', artifact, deploymentId: viaMain.deployments[0].id, status: 'VERIFIED', since: expect.any(String) });
      expect(new Date(billingInDev.since).toISOString()).toBe(billingInDev.since);
      expect(devServices.filter((s: any) => s.service === 'billing')).toHaveLength(1);

      const billing = await f.api.get('/api/services/billing/environments');
      expect(billing.map((e: any) => e.environment)).toEqual(['dev', 'integ', 'preprod', 'prod']);
      const dev = billing[0];
      expect(Object.keys(dev).sort()).toEqual(['current', 'environment', 'inFlight']);
      expect(dev.current).toMatchObject({ id: viaMain.deployments[0].id, status: 'VERIFIED' });
      expect(dev.inFlight).toMatchObject({ id: viaHotfix.deployments[0].id, status: 'STARTED' });
      const integ = billing[1];
      expect(integ.current).toBeNull();
      expect(integ.inFlight).toMatchObject({ environment: 'integ', status: 'CREATED' });
      expect(billing[3]).toEqual({ environment: 'prod', current: null, inFlight: null });

      // a newer artifact deployed to dev becomes current
      const second = await f.api.register('com.acme:billing');
      await f.api.report(second.flows[0].deployments[0].id, 'COMPLETED');
      const after = (await f.api.get('/api/environments/dev/services')).find((s: any) => s.service === 'billing');
      expect(after).toMatchObject({ deploymentId: second.flows[0].deployments[0].id, artifact: { id: second.id } });
    });

    it('an environment where nothing runs answers []', async () => {
      expect(await f.api.get('/api/environments/prod/services')).toEqual([]);
    });

    it('unknown names are 404; no token 401', async () => {
      expectError(await f.api.send('reader', 'GET', '/api/environments/mars/services'), 404, 'not_found');
      expectError(await f.api.send('reader', 'GET', '/api/services/ghost/environments'), 404, 'not_found');
      expectError(await f.api.send(null, 'GET', '/api/environments/dev/services'), 401, 'unauthorized');
      expectError(await f.api.send(null, 'GET', '/api/services/faas/environments'), 401, 'unauthorized');
    });
  });
});
