import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeployDbError } from '../errors.js';
import { ConfigInvalidError, loadConfig } from './loadConfig.js';
import type { DeployDbConfig } from './model.js';
import { CONFIG_PATH, EXAMPLE_ENV, EXAMPLE_YAML, fakeDescribe, load, loadError, MINIMAL_YAML, problemLines } from './fixtures.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** What the example file of CONTRACT §2 loads into, with EXAMPLE_ENV. */
const EXAMPLE_MODEL: DeployDbConfig = {
  file: '/etc/deploydb/deploydb.yaml',
  server: { port: 8080, host: '127.0.0.1', rateLimit: null },
  logging: { level: 'info', format: null },
  database: { url: 'postgres://user@127.0.0.1:5432/deploydb', dir: '/etc/deploydb/.deploydb' },
  queue: { package: '@deploydb/queue-nats', config: { servers: 'nats://127.0.0.1:4222' } },
  plugins: [
    { package: '@deploydb/promotion-manual', config: {} },
    { package: '@deploydb/promotion-webhook', config: {} },
    {
      package: '@deploydb/promotion-jenkins',
      config: { baseUrl: 'http://jenkins.internal:8080', user: 'deploydb', token: 'jenkins-secret', pollInterval: 5, timeout: 600 },
    },
  ],
  auth: {
    tokens: [
      // Only the hash of each token is kept once the file is loaded.
      { name: 'jenkins', tokenHash: `sha256:${sha256('ci-token')}`, roles: ['ci'] },
      { name: 'alice', tokenHash: `sha256:${sha256('alice-token')}`, roles: ['approver', 'read'] },
      { name: 'ops', tokenHash: `sha256:${sha256('ops-token')}`, roles: ['admin'] },
    ],
  },
  environments: [
    { key: 'dev-alpha', description: 'Developer alpha', url: 'http://dev-alpha.internal:8080', hosts: [] },
    { key: 'integ', description: 'Integration', url: 'http://integ.internal:8080', hosts: [] },
    { key: 'preprod', description: 'Pre-production', url: 'http://preprod.internal:8080', hosts: [] },
    { key: 'prod', description: 'Production', url: null, hosts: ['http://prod-1.internal:8080', 'http://prod-2.internal:8080'] },
  ],
  promotions: [
    { key: 'manual', type: 'manual', settings: { approvers: ['alice', 'bob'] } },
    { key: 'jenkins-smoke', type: 'JenkinsPromotion', settings: { jobs: ['basic-smokes-test', 'basic-perf-test', 'end2end-smoke-test'] } },
    { key: 'status-check', type: 'WebhookPromotion', settings: { url: '/healthcheck', status: 200, timeout: 15, retries: 3, interval: 5 } },
  ],
  pipelines: [
    {
      key: 'devtoprod',
      environments: [
        { name: 'dev-alpha', promotions: [] },
        { name: 'integ', promotions: ['jenkins-smoke'] },
        { name: 'preprod', promotions: ['status-check', 'manual'] },
        { name: 'prod', promotions: [] },
      ],
    },
  ],
  services: [
    {
      key: 'faas',
      name: 'Fun as a Service',
      artifacts: ['com.github.lookout:foas', 'com.github.lookout:puppet-foas'],
      pipelines: ['devtoprod'],
      promotions: ['status-check'],
    },
  ],
  webhooks: [
    {
      url: 'http://hooks.internal/deploydb',
      events: ['deployment.*', 'promotion.completed'],
      environments: ['prod'],
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      retry: { attempts: 10, backoff: 5 },
    },
  ],
};

describe('loadConfig', () => {
  it('loads the example of CONTRACT §2 into exactly the normalized model', async () => {
    expect(await load(EXAMPLE_YAML)).toEqual(EXAMPLE_MODEL);
  });

  it('fills in plugin defaults in settings', async () => {
    const source = EXAMPLE_YAML.replace(/ {4}status: 200.*\n/, '').replace(/ {4}retries: 3.*\n/, '');
    const config = await load(source);
    expect(config.promotions[2]!.settings).toEqual({ url: '/healthcheck', status: 200, timeout: 15, retries: 3, interval: 5 });
  });

  it('returns a deep-frozen configuration', async () => {
    const config = await load(EXAMPLE_YAML);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.pipelines[0]!.environments[1]!.promotions)).toBe(true);
    expect(Object.isFrozen(config.promotions[0]!.settings.approvers)).toBe(true);
    expect(Object.isFrozen(config.plugins[2]!.config)).toBe(true);
    // Loading again is unaffected by what was frozen the first time (no shared defaults).
    expect(await load(EXAMPLE_YAML)).toEqual(EXAMPLE_MODEL);
  });

  it('keeps every named section in file order, numeric names included', async () => {
    const source = `environments:\n  zeta: {}\n  "2": {}\n  alpha: {}\n  "10": {}\n`;
    expect((await load(source)).environments.map((environment) => environment.key)).toEqual(['zeta', '2', 'alpha', '10']);
  });

  it('accepts anchors and << merge keys, and places problems inside a merge at the mapping', async () => {
    const source = `environments:
  dev: &base { url: "http://dev.internal", description: Dev }
  qa:
    <<: *base
    url: "http://qa.internal"
`;
    expect((await load(source)).environments).toEqual([
      { key: 'dev', url: 'http://dev.internal', description: 'Dev', hosts: [] },
      { key: 'qa', url: 'http://qa.internal', description: 'Dev', hosts: [] },
    ]);
    const broken = source.replace('description: Dev', 'colour: red');
    expect(await problemLines(broken)).toEqual([
      'deploydb.yaml:2:44 environments.dev.colour: unknown key "colour"; allowed keys: description, url, hosts',
      'deploydb.yaml:4:5 environments.qa.colour: unknown key "colour"; allowed keys: description, url, hosts',
    ]);
  });

  it('resolves database.dir from the folder of the file, and keeps an absolute one', async () => {
    expect((await load(`database: { dir: data/db }\n${MINIMAL_YAML}`)).database.dir).toBe('/etc/deploydb/data/db');
    expect((await load(`database: { dir: ../db }\n${MINIMAL_YAML}`)).database.dir).toBe('/etc/db');
    expect((await load(`database: { dir: /var/lib/deploydb }\n${MINIMAL_YAML}`)).database.dir).toBe('/var/lib/deploydb');
  });

  it('describes plugins with the folder of the file', async () => {
    const asked: [string, string][] = [];
    const describe = fakeDescribe();
    await loadConfig({
      path: CONFIG_PATH,
      env: EXAMPLE_ENV,
      source: EXAMPLE_YAML,
      describePlugin: (name, dir) => {
        asked.push([name, dir]);
        return describe(name, dir);
      },
    });
    expect(asked.sort()).toEqual([
      ['@deploydb/promotion-jenkins', '/etc/deploydb'],
      ['@deploydb/promotion-manual', '/etc/deploydb'],
      ['@deploydb/promotion-webhook', '/etc/deploydb'],
      ['@deploydb/queue-nats', '/etc/deploydb'],
    ]);
  });

  it('reports problems of every kind together, in file order', async () => {
    const source = EXAMPLE_YAML.replace('port: 8080 ', 'port: 0    ')
      .replace('"@deploydb/promotion-jenkins"', '"@deploydb/promotion-jenkinz"')
      .replace('hosts: ["http', 'hots: ["http')
      .replace('pipelines: [devtoprod]', 'pipelines: [devtoprd]')
      .replace('{ name: integ, promotions', '{ name: integ2, promotions');
    const env = { ...EXAMPLE_ENV, OPS_TOKEN: undefined };
    expect(await problemLines(source, { env })).toEqual([
      'deploydb.yaml:2:9 server.port: must be >= 1',
      'deploydb.yaml:14:14 plugins[2].package: plugin package "@deploydb/promotion-jenkinz" is not installed: run npm install @deploydb/promotion-jenkinz',
      'deploydb.yaml:20:32 auth.tokens[2].token: environment variable OPS_TOKEN is not set',
      'deploydb.yaml:28:5 environments.prod.hots: unknown key "hots"; allowed keys: description, url, hosts',
      'deploydb.yaml:50:17 pipelines.devtoprod.environments[1].name: unknown environment "integ2"',
      'deploydb.yaml:58:17 services.faas.pipelines[0]: unknown pipeline "devtoprd"',
    ]);
  });

  it("reports every stage's problems at once: schema, plugin settings, checkEnvironment, unused promotions, beside a misspelt package", async () => {
    const source = `server: { port: "eighty" }
plugins:
  - package: "@deploydb/promotion-manual"
    config: { colour: red }
  - package: "@deploydb/promotion-webhok"
  - package: "@deploydb/promotion-webhook"
    conf: {}
  - package: "@deploydb/promotion-jenkins"
    config: { baseUrl: "http://jenkins.internal", user: u, token: t, timeout: 0 }
environments:
  dev: { description: "Development", colour: blue }
  prod: { url: "http://prod.internal" }
promotions:
  probe: { type: WebhookPromotion, url: /health, timout: 3 }
  gate: { type: manual, approvers: alice }
  never-used: { type: JenkinsPromotion, jobs: [], pollInterval: -1 }
  lost: { type: SomethingElse }
pipelines:
  main:
    environments: [{ name: dev, promotions: [probe] }, { name: prod, promotions: [gate] }, 7]
services:
  shop: { name: Shop, artifacts: ["com.acme:shop"], pipelines: [main], promotions: [probe] }
`;
    // `lost` has no provider, but the misspelt package may be the one providing it: not a second problem.
    expect(await problemLines(source)).toEqual([
      'deploydb.yaml:1:17 server.port: must be an integer, not a string',
      'deploydb.yaml:4:15 plugins[0].config.colour: unknown key "colour"; no keys are allowed here',
      'deploydb.yaml:5:14 plugins[1].package: plugin package "@deploydb/promotion-webhok" is not installed: run npm install @deploydb/promotion-webhok',
      'deploydb.yaml:7:5 plugins[2].conf: unknown key "conf"; allowed keys: package, config',
      'deploydb.yaml:9:79 plugins[3].config.timeout: must be > 0',
      'deploydb.yaml:11:38 environments.dev.colour: unknown key "colour"; allowed keys: description, url, hosts',
      'deploydb.yaml:14:3 promotions.probe: relative url "/health" needs the environment\'s url or hosts (in environment "dev", used by pipeline "main")',
      'deploydb.yaml:14:50 promotions.probe.timout: unknown key "timout"; allowed keys: url, status, timeout, retries, interval',
      'deploydb.yaml:15:36 promotions.gate.approvers: must be a list, not a string',
      'deploydb.yaml:16:47 promotions.never-used.jobs: must not be empty',
      'deploydb.yaml:16:65 promotions.never-used.pollInterval: must be > 0',
      'deploydb.yaml:20:92 pipelines.main.environments[2]: must be an environment name or a mapping { name, promotions }, not an integer',
    ]);
  });

  it('throws a ConfigInvalidError with problems, details and the contract code', async () => {
    const error = await loadError(MINIMAL_YAML.replace('pipelines: [main]', 'pipelines: [devtoprd]'));
    expect(error).toBeInstanceOf(ConfigInvalidError);
    expect(isDeployDbError(error)).toBe(true);
    expect(error.code).toBe('config_invalid');
    expect(error.message).toBe('deploydb.yaml:11:17 services.shop.pipelines[0]: unknown pipeline "devtoprd"');
    expect(error.problems).toEqual([
      {
        file: 'deploydb.yaml',
        line: 11,
        column: 17,
        path: 'services.shop.pipelines[0]',
        pointer: '/services/shop/pipelines/0',
        message: 'unknown pipeline "devtoprd"',
      },
    ]);
    expect(error.details).toEqual([
      { path: '/services/shop/pipelines/0', message: 'deploydb.yaml:11:17 services.shop.pipelines[0]: unknown pipeline "devtoprd"' },
    ]);
  });

  it('keeps every problem on one line, whatever a plugin says', async () => {
    const describe = async (name: string) => {
      throw new Error(`cannot find ${name}\n    at somewhere (x.js:1:1)`);
    };
    expect(await problemLines(`plugins: [{ package: x }]\n${MINIMAL_YAML}`, { describe })).toEqual([
      'deploydb.yaml:1:22 plugins[0].package: cannot find x at somewhere (x.js:1:1)',
    ]);
  });

  it('makes a single problem without a place', () => {
    const error = ConfigInvalidError.single('/etc/deploydb/deploydb.yaml', 'plugins', 'adding or removing plugin packages needs a restart');
    expect(error.message).toBe('deploydb.yaml plugins: adding or removing plugin packages needs a restart');
    expect(error.details).toEqual([{ path: '/plugins', message: error.message }]);
  });
});

describe('loadConfig from a file', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'deploydb-config-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads the file, names it by its own name, and resolves paths from its folder', async () => {
    const path = join(folder, 'staging.yaml');
    await writeFile(path, MINIMAL_YAML.replace('pipelines: [main]', 'pipelines: [mian]'));
    const error = await loadConfig({ path, env: {}, describePlugin: fakeDescribe() }).catch((caught: unknown) => caught);
    expect((error as ConfigInvalidError).message).toBe('staging.yaml:11:17 services.shop.pipelines[0]: unknown pipeline "mian"');

    await writeFile(path, MINIMAL_YAML);
    const config = await loadConfig({ path, env: {}, describePlugin: fakeDescribe() });
    expect(config.file).toBe(path);
    expect(config.database.dir).toBe(join(folder, '.deploydb'));
  });

  it('reports a missing file as a configuration problem', async () => {
    const path = join(folder, 'nothing-here.yaml');
    const error = await loadConfig({ path, env: {}, describePlugin: fakeDescribe() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigInvalidError);
    expect((error as ConfigInvalidError).message).toBe(`nothing-here.yaml: no configuration file at ${path}`);
    expect((error as ConfigInvalidError).problems[0]).toMatchObject({ line: 0, column: 0, path: '' });
  });

  it('reports a folder given as the file', async () => {
    const error = await loadConfig({ path: folder, env: {}, describePlugin: fakeDescribe() }).catch((caught: unknown) => caught);
    expect((error as ConfigInvalidError).message).toMatch(/is a folder, not a configuration file$/);
  });
});
