import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  coreServices,
  createServiceRef,
  definePlugin,
  definePromotionPlugin,
  defineSubscriberPlugin,
  provide,
  Type,
  type LedgerService,
  type PluginDefinition,
} from '@deploydb/core';
import { createTestDatabase, dropTestDatabase, silentLogger, startTestKernel, type TestKernel } from '@deploydb/core/testing';
import { advisoryLocks, PluginScheduler } from '../core/src/kernel/services/scheduler.js';
import { databaseModes } from './support/fixtures.js';
import { expectError } from './support/apiHelpers.js';

const modes = await databaseModes();

/** A chat other plugins post to: provided by one plugin, used by another. */
interface Chat {
  sent: string[];
  post(text: string): void;
}
const chatRef = createServiceRef<Chat>({ id: 'test.chat' });

const CONFIG = `
auth:
  tokens:
    - { name: ci, token: "ci-secret", roles: [ci] }
    - { name: reader, token: "reader-secret", roles: [read] }
plugins:
  - package: "test-gate"
  - package: "test-chat"
environments: { dev: {}, prod: {} }
promotions:
  gate: { type: Gate }
pipelines:
  main: { environments: [dev, { name: prod, promotions: [gate] }] }
services:
  shop: { name: Shop, artifacts: ["com.acme:shop"], pipelines: [main] }
`;
const reader = { token: 'reader-secret' };
const ci = { token: 'ci-secret' };

function plugins(events: string[], sent: string[] = []): Record<string, PluginDefinition> {
  const chat = defineSubscriberPlugin({
    id: 'test-chat',
    provides: [chatRef],
    create: () => {
      return {
        subscribe: [],
        services: [provide(chatRef, { sent, post: (text) => void sent.push(text) })],
        start: async () => void events.push('start test-chat'),
        stop: async () => void events.push('stop test-chat'),
      };
    },
  });
  // Listed first, started second: it needs the chat.
  const gate = definePromotionPlugin({
    id: 'test-gate',
    type: 'Gate',
    settingsSchema: Type.Object({}),
    deps: { chat: chatRef, ledger: coreServices.ledger, routes: coreServices.routes, metrics: coreServices.metrics },
    create: ({ deps }) => {
      const asked = deps.metrics.counter({ name: 'latest_requests_total', help: 'Requests for the latest version of a module' });
      deps.routes.add({
        method: 'get',
        path: '/latest',
        operationId: 'gateLatestArtifact',
        summary: 'The latest version of a module, as the gate sees it',
        query: Type.Object({ group: Type.String(), name: Type.String() }, { additionalProperties: false }),
        responses: { 200: { description: 'The latest artifact, or null' } },
        async handler({ query, c }) {
          asked.inc();
          deps.chat.post(`asked for ${query.group}:${query.name}`);
          return c.json(await deps.ledger.latestArtifact(query.group, query.name));
        },
      });
      return {
        evaluate: () => ({ status: 'SUCCESS' }),
        start: async () => void events.push('start test-gate'),
        stop: async () => void events.push('stop test-gate'),
      };
    },
  });
  return { 'test-gate': gate, 'test-chat': chat };
}

describe.each(modes)('plugins with service references (%s database)', (database) => {
  const events: string[] = [];
  const sent: string[] = [];
  let t: TestKernel;
  beforeAll(async () => {
    const defined = plugins(events, sent);
    t = await startTestKernel({ config: CONFIG, database, plugins: defined });
  }, 60_000);
  afterAll(() => t?.destroy());

  it('starts a plugin after the one providing what it needs, whatever the order of deploydb.yaml', () => {
    expect(events).toEqual(['start test-chat', 'start test-gate']);
  });

  it("gives a plugin the ledger's reads, its own routes under /api/plugins/<id>, and the provided service", async () => {
    const artifact = { group: 'com.acme', name: 'shop', version: '1.2.0', sourceUrl: 'https://git.acme.test/shop' };
    expect((await t.request('POST', '/api/artifacts', artifact, ci)).status).toBe(201);
    const answer = await t.request('GET', '/api/plugins/test-gate/latest?group=com.acme&name=shop', undefined, reader);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ...artifact, id: expect.any(Number) });
    expect(sent).toEqual(['asked for com.acme:shop']);
    const health = await t.request('GET', '/health');
    expect(Object.keys(health.body.checks)).toEqual(expect.arrayContaining(['test-gate', 'test-chat']));
  });

  it("holds plugin routes to the API's rules: a token, a role, valid parameters", async () => {
    expect((await t.request('GET', '/api/plugins/test-gate/latest?group=com.acme&name=shop')).status).toBe(401);
    const invalid = await t.request('GET', '/api/plugins/test-gate/latest?group=com.acme', undefined, reader);
    expectError(invalid, 400, 'bad_request');
  });

  it('describes plugin routes in /openapi.json', async () => {
    const document = (await t.request('GET', '/openapi.json')).body;
    const operation = document.paths['/api/plugins/test-gate/latest'].get;
    expect(operation).toMatchObject({ operationId: 'gateLatestArtifact', tags: ['plugins'] });
  });

  it('registers plugin metrics on /metrics under the plugin prefix', async () => {
    const text = (await t.request('GET', '/metrics')).body as string;
    expect(text).toMatch(/^deploydb_plugin_test_gate_latest_requests_total [1-9]/m);
  });

  it('stops plugins in exact reverse of their start', async () => {
    await t.stop();
    expect(events).toEqual(['start test-chat', 'start test-gate', 'stop test-gate', 'stop test-chat']);
  });
});

describe('plugins whose dependencies cannot be met', () => {
  it('fails start-up naming the plugin and the missing service', async () => {
    const { 'test-gate': gate } = plugins([]);
    const config = CONFIG.replace('  - package: "test-chat"\n', '');
    await expect(startTestKernel({ config, plugins: { 'test-gate': gate! } })).rejects.toThrow('"test-gate" needs service "test.chat"');
  });

  it('fails start-up naming the plugins of a cycle', async () => {
    const aRef = createServiceRef<string>({ id: 'test.a' });
    const bRef = createServiceRef<string>({ id: 'test.b' });
    const a = defineSubscriberPlugin({ id: 'a', provides: [aRef], deps: { b: bRef }, create: () => ({ subscribe: [], services: [provide(aRef, 'a')] }) });
    const b = defineSubscriberPlugin({ id: 'b', provides: [bRef], deps: { a: aRef }, create: () => ({ subscribe: [], services: [provide(bRef, 'b')] }) });
    const config = 'plugins: [{ package: a }, { package: b }]\nenvironments: { dev: {} }\npipelines: { p: { environments: [dev] } }\nservices: {}\n';
    await expect(startTestKernel({ config, plugins: { a, b } })).rejects.toThrow('circular dependency between plugins: "a" → "b" → "a"');
  });
});

describe('replacing a service in a test', () => {
  it('hands every plugin depending on it the replacement', async () => {
    const fake = { latestArtifact: async (group: string, name: string) => ({ id: 99, group, name, version: 'fake' }) } as unknown as LedgerService;
    const t = await startTestKernel({ config: CONFIG, plugins: plugins([]), services: [[coreServices.ledger, fake]] });
    try {
      const answer = await t.request('GET', '/api/plugins/test-gate/latest?group=g&name=n', undefined, reader);
      expect(answer.body).toEqual({ id: 99, group: 'g', name: 'n', version: 'fake' });
    } finally {
      await t.destroy();
    }
  });
});

describe('plugins of the first plugin API', () => {
  it('still load and run', async () => {
    const current = definePlugin({ id: 'old-gate', kind: 'promotion', type: 'Gate', settingsSchema: Type.Object({}), create: () => ({ evaluate: () => ({ status: 'SUCCESS' }) }) });
    const old = { ...current, apiVersion: 1 } as PluginDefinition;
    const config = CONFIG.replace('  - package: "test-gate"\n  - package: "test-chat"\n', '  - package: "old-gate"\n');
    const t = await startTestKernel({ config, plugins: { 'old-gate': old } });
    try {
      expect((await t.request('GET', '/health')).body.checks['old-gate']).toEqual({ status: 'ok' });
    } finally {
      await t.destroy();
    }
  });
});

describe('the scheduler', () => {
  it('runs a plugin task every so often, and stops it with the plugin', async () => {
    let runs = 0;
    const ticker = defineSubscriberPlugin({
      id: 'ticker',
      deps: { scheduler: coreServices.scheduler },
      create: ({ deps }) => {
        deps.scheduler.every('tick', 0.05, () => void (runs += 1));
        return { subscribe: [] };
      },
    });
    const config = 'plugins: [{ package: ticker }]\nenvironments: { dev: {} }\npipelines: { p: { environments: [dev] } }\nservices: {}\n';
    const t = await startTestKernel({ config, plugins: { ticker } });
    const deadline = Date.now() + 10_000;
    while (runs < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await t.destroy();
    expect(runs).toBeGreaterThanOrEqual(3);
    const after = runs;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runs).toBe(after);
  });

  it.runIf(modes.includes('postgres'))('lets one instance at a time hold a task on PostgreSQL, and keep it until it gives it back', async () => {
    const url = await createTestDatabase();
    const one = advisoryLocks(url);
    const two = advisoryLocks(url);
    try {
      expect(await one.tryLock('ticker/tick')).toBe(true);
      expect(await two.tryLock('ticker/tick')).toBe(false);
      expect(await one.tryLock('ticker/tick'), 'the holder keeps it').toBe(true);
      expect(await two.tryLock('ticker/tick')).toBe(false);
      expect(await two.tryLock('ticker/other')).toBe(true);
      await one.unlock('ticker/tick');
      expect(await two.tryLock('ticker/tick')).toBe(true);
      expect(await one.tryLock('ticker/tick')).toBe(false);
      await two.close();
      expect(await one.tryLock('ticker/tick'), 'a closed connection gave its locks back').toBe(true);
    } finally {
      await one.close();
      await two.close();
      await dropTestDatabase(url);
    }
  });

  it.runIf(modes.includes('postgres'))('runs a task on one of two instances sharing PostgreSQL, and on the other once the first stops', async () => {
    const url = await createTestDatabase();
    const locks = [advisoryLocks(url), advisoryLocks(url)];
    const runs = [0, 0];
    const schedulers = locks.map((lock) => new PluginScheduler('ticker', lock, silentLogger));
    try {
      const tasks = schedulers.map((scheduler, i) => scheduler.every('tick', 0.05, () => void (runs[i]! += 1)));
      await expect.poll(() => runs[0]! + runs[1]!, { timeout: 10_000 }).toBeGreaterThanOrEqual(8);
      const holder = runs[0]! > 0 ? 0 : 1;
      const other = 1 - holder;
      expect(runs[other], 'the instance without the lock never ran it').toBe(0);
      await tasks[holder]!.stop();
      await expect.poll(() => runs[other]!, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    } finally {
      for (const scheduler of schedulers) await scheduler.stopAll();
      for (const lock of locks) await lock.close();
      await dropTestDatabase(url);
    }
  });
});
