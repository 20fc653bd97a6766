import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isLoopback } from './checkModel.js';
import { EXAMPLE_YAML, fakeDescribe, load, MINIMAL_YAML, PLUGINS, problemLines } from './fixtures.js';

const PLUGIN_LINES = `plugins:
  - package: "@deploydb/promotion-manual"
  - package: "@deploydb/promotion-webhook"
  - package: "@deploydb/promotion-jenkins"
    config: { baseUrl: "http://j", user: u, token: t }
`;

describe('references and names', () => {
  it('reports every unknown name, bad URL, bad module and repeated token, each at its place', async () => {
    const source = `${PLUGIN_LINES}environments:
  dev: { url: "http://dev.internal" }
  prod: { hosts: ["http://p1", "p2.internal"] }
  stage: { url: "ftp://x" }
promotions:
  manual: { type: manual }
  smoke: { type: JenkinsPromotion, jobs: [a] }
pipelines:
  main:
    environments:
      - dev
      - { name: integ, promotions: [smoke, nope] }
      - prod
services:
  shop:
    name: Shop
    artifacts: ["com.acme:shop", "shop", "com.acme:a:b"]
    pipelines: [main, devtoprd]
    promotions: [manual, missing]
  shop2:
    name: Shop 2
    artifacts: ["com.acme:shop"]
    pipelines: [main]
webhooks:
  - url: /relative
    environments: [prod, qa]
auth:
  tokens:
    - { name: a, token: same, roles: [read] }
    - { name: b, token: same, roles: [read] }
    - { name: a, token: other, roles: [read] }
`;
    expect(await problemLines(source)).toEqual([
      'deploydb.yaml:8:32 environments.prod.hosts[1]: must be an absolute http(s) URL',
      'deploydb.yaml:9:17 environments.stage.url: must be an absolute http(s) URL',
      'deploydb.yaml:17:17 pipelines.main.environments[1].name: unknown environment "integ"',
      'deploydb.yaml:17:44 pipelines.main.environments[1].promotions[1]: unknown promotion "nope"',
      'deploydb.yaml:22:34 services.shop.artifacts[1]: must be a module "group:name", not "shop"',
      'deploydb.yaml:22:42 services.shop.artifacts[2]: must be a module "group:name", not "com.acme:a:b"',
      'deploydb.yaml:23:23 services.shop.pipelines[1]: unknown pipeline "devtoprd"',
      'deploydb.yaml:24:26 services.shop.promotions[1]: unknown promotion "missing"',
      'deploydb.yaml:30:10 webhooks[0].url: must be an absolute http(s) URL',
      'deploydb.yaml:31:26 webhooks[0].environments[1]: unknown environment "qa"',
      'deploydb.yaml:35:25 auth.tokens[1].token: same token as auth.tokens[0] ("a"); every token must be different',
      'deploydb.yaml:36:15 auth.tokens[2].name: token name "a" is already used by auth.tokens[0]',
    ]);
  });

  it('checks references even in an entry with other problems', async () => {
    const source = EXAMPLE_YAML.replace('pipelines: [devtoprod]', 'pipelines: [devtoprd]').replace('name: "Fun as a Service"', 'nam: x');
    expect(await problemLines(source)).toEqual([
      'deploydb.yaml:56:5 services.faas.name: is required',
      'deploydb.yaml:56:5 services.faas.nam: unknown key "nam"; allowed keys: name, artifacts, pipelines, promotions',
      'deploydb.yaml:58:17 services.faas.pipelines[0]: unknown pipeline "devtoprd"',
    ]);
  });

  it('reports a name written as a plain stage, at the stage', async () => {
    const source = MINIMAL_YAML.replace('environments: [dev, prod]', 'environments: [dev, prd]');
    expect(await problemLines(source)).toEqual(['deploydb.yaml:6:25 pipelines.main.environments[1]: unknown environment "prd"']);
  });

  it('allows a module listed by two services', async () => {
    const source = `${MINIMAL_YAML}  shop2:\n    name: Shop again\n    artifacts: ["com.acme:shop"]\n    pipelines: [main]\n`;
    const config = await load(source);
    expect(config.services.map((service) => [service.key, service.artifacts])).toEqual([
      ['shop', ['com.acme:shop']],
      ['shop2', ['com.acme:shop']],
    ]);
  });
});

describe('plugins and promotion settings', () => {
  it('checks plugin configs and promotion settings with the plugins’ own schemas', async () => {
    const source = `${PLUGIN_LINES.replace('token: t }', 'tokn: t, timeout: 0 }')}  - package: "@deploydb/promotion-soak"
  - package: "@deploydb/queue-nats"
  - package: "@deploydb/promotion-manual"
queue: { plugin: "@deploydb/promotion-manual" }
promotions:
  m: { type: manual, approvers: alice }
  j: { type: JenkinsPromotion, job: [x] }
  w: { type: WebhookPromotion, url: /health, status: 99 }
  x: { type: Soak }
${MINIMAL_YAML}`;
    expect(await problemLines(source)).toEqual([
      'deploydb.yaml:5:13 plugins[2].config.token: is required',
      'deploydb.yaml:5:45 plugins[2].config.tokn: unknown key "tokn"; allowed keys: baseUrl, user, token, pollInterval, timeout',
      'deploydb.yaml:5:63 plugins[2].config.timeout: must be > 0',
      'deploydb.yaml:6:14 plugins[3].package: plugin package "@deploydb/promotion-soak" is not installed: run npm install @deploydb/promotion-soak',
      'deploydb.yaml:7:14 plugins[4].package: "@deploydb/queue-nats" is a queue plugin, not a promotion, subscriber or source plugin: name it as queue.plugin',
      'deploydb.yaml:8:14 plugins[5].package: "@deploydb/promotion-manual" is already listed as plugins[0]',
      'deploydb.yaml:9:18 queue.plugin: "@deploydb/promotion-manual" is a promotion plugin, not a queue plugin: list it under plugins',
      'deploydb.yaml:11:33 promotions.m.approvers: must be a list, not a string',
      'deploydb.yaml:12:6 promotions.j.jobs: is required',
      'deploydb.yaml:12:32 promotions.j.job: unknown key "job"; allowed keys: jobs, parameters, pollInterval, timeout',
      'deploydb.yaml:13:54 promotions.w.status: must be >= 100',
    ]);
  });

  it('names the available types for an unknown promotion type', async () => {
    expect(await problemLines(`${PLUGIN_LINES}promotions:\n  x: { type: Soak }\n${MINIMAL_YAML}`)).toEqual([
      'deploydb.yaml:7:14 promotions.x.type: unknown promotion type "Soak"; the loaded plugins provide: manual, WebhookPromotion, JenkinsPromotion',
    ]);
    expect(await problemLines(`promotions:\n  x: { type: manual }\n${MINIMAL_YAML}`)).toEqual([
      'deploydb.yaml:2:14 promotions.x.type: unknown promotion type "manual"; no promotion plugin is loaded (list packages under plugins)',
    ]);
  });

  it('reports two plugins that provide the same type', async () => {
    const twin = { ...PLUGINS, '@acme/manual': PLUGINS['@deploydb/promotion-manual']! };
    const source = `plugins:\n  - package: "@deploydb/promotion-manual"\n  - package: "@acme/manual"\n${MINIMAL_YAML}`;
    expect(await problemLines(source, { describe: fakeDescribe(twin) })).toEqual([
      'deploydb.yaml:3:14 plugins[1].package: promotion type "manual" is already provided by "@deploydb/promotion-manual" (plugins[0])',
    ]);
  });

  it('reports a missing queue package at queue.plugin', async () => {
    expect(await problemLines(`queue:\n  plugin: "@deploydb/queue-redis"\n${MINIMAL_YAML}`)).toEqual([
      'deploydb.yaml:2:11 queue.plugin: plugin package "@deploydb/queue-redis" is not installed: run npm install @deploydb/queue-redis',
    ]);
  });

  it('checks the queue config with the queue plugin’s schema', async () => {
    expect(await problemLines(`queue: { plugin: "@deploydb/queue-nats", config: { servers: 5, x: 1 } }\n${MINIMAL_YAML}`)).toEqual([
      'deploydb.yaml:1:61 queue.config.servers: must be a string, not an integer',
      'deploydb.yaml:1:64 queue.config.x: unknown key "x"; allowed keys: servers',
    ]);
  });

  it('refuses a package whose export is not a plugin', async () => {
    const describe = async () => ({ default: {} }) as never;
    expect(await problemLines(`plugins:\n  - package: odd\n${MINIMAL_YAML}`, { describe })).toEqual([
      'deploydb.yaml:2:14 plugins[0].package: "odd" is not a DeployDB plugin: its default export must be made by definePlugin',
    ]);
  });

  it('runs checkEnvironment in every environment where a promotion applies', async () => {
    const source = `${PLUGIN_LINES}environments:
  dev: { url: "http://dev.internal" }
  bare: {}
  prod: { hosts: ["http://p1"] }
  lone: {}
promotions:
  health: { type: WebhookPromotion, url: /health }
  abs: { type: WebhookPromotion, url: "http://x/health" }
  svc: { type: WebhookPromotion, url: /ready }
pipelines:
  main:
    environments: [dev, { name: bare, promotions: [health, abs] }, prod]
  other:
    environments: [lone]
services:
  shop: { name: Shop, artifacts: ["a:b"], pipelines: [main, other], promotions: [svc] }
`;
    expect(await problemLines(source)).toEqual([
      'deploydb.yaml:12:3 promotions.health: relative url "/health" needs the environment\'s url or hosts (in environment "bare", used by pipeline "main")',
      'deploydb.yaml:14:3 promotions.svc: relative url "/ready" needs the environment\'s url or hosts (in environment "bare", used by service "shop")',
      'deploydb.yaml:14:3 promotions.svc: relative url "/ready" needs the environment\'s url or hosts (in environment "lone", used by service "shop")',
    ]);
  });
});

describe('tokens given by their hash', () => {
  const hashOf = (token: string) => `sha256:${createHash('sha256').update(token).digest('hex')}`;

  it('keeps only the hash: of a tokenHash (hex digits in either case) as of a token', async () => {
    const source = `auth:
  tokens:
    - { name: ci, tokenHash: "${hashOf('ci-secret').toUpperCase().replace('SHA256:', 'sha256:')}", roles: [ci] }
    - { name: ops, token: ops-secret, roles: [admin] }
${MINIMAL_YAML}`;
    const config = await load(source);
    expect(config.auth?.tokens).toEqual([
      { name: 'ci', tokenHash: hashOf('ci-secret'), roles: ['ci'] },
      { name: 'ops', tokenHash: hashOf('ops-secret'), roles: ['admin'] },
    ]);
    expect(JSON.stringify(config)).not.toContain('ops-secret');
  });

  it('refuses an entry with both token and tokenHash, with neither, or with a malformed hash', async () => {
    const source = `auth:
  tokens:
    - { name: a, token: t, tokenHash: "${hashOf('t')}", roles: [read] }
    - { name: b, roles: [read] }
    - { name: c, tokenHash: "md5:abc", roles: [read] }
    - { name: d, tokenHash: "sha256:${'0'.repeat(63)}", roles: [read] }
${MINIMAL_YAML}`;
    expect(await problemLines(source)).toEqual([
      'deploydb.yaml:3:28 auth.tokens[0].tokenHash: holds both token and tokenHash; keep one (tokenHash keeps the secret out of the file)',
      'deploydb.yaml:4:7 auth.tokens[1].token: is required, or tokenHash: "sha256:<64 hex digits>" instead',
      'deploydb.yaml:5:29 auth.tokens[2].tokenHash: must be "sha256:" followed by the 64 hexadecimal digits of the token\'s SHA-256',
      'deploydb.yaml:6:29 auth.tokens[3].tokenHash: must be "sha256:" followed by the 64 hexadecimal digits of the token\'s SHA-256',
    ]);
  });

  it('refuses a token whose hash another entry gives, without showing either', async () => {
    const source = `auth:
  tokens:
    - { name: a, token: shared-secret, roles: [read] }
    - { name: b, tokenHash: "${hashOf('shared-secret')}", roles: [read] }
${MINIMAL_YAML}`;
    const lines = await problemLines(source);
    expect(lines).toEqual(['deploydb.yaml:4:29 auth.tokens[1].tokenHash: same token as auth.tokens[0] ("a"); every token must be different']);
  });
});

describe('listening without auth', () => {
  it('refuses a host beyond loopback without auth', async () => {
    expect(await problemLines(`server: { host: 0.0.0.0 }\n${MINIMAL_YAML}`)).toEqual([
      'deploydb.yaml:1:17 server.host: "0.0.0.0" is not a loopback address: without auth the server only listens on 127.x.x.x, ::1 or localhost (add auth.tokens to listen beyond)',
    ]);
  });

  it('allows any host with auth', async () => {
    const config = await load(`server: { host: 0.0.0.0 }\nauth: { tokens: [{ name: ci, token: t, roles: [ci] }] }\n${MINIMAL_YAML}`);
    expect(config.server.host).toBe('0.0.0.0');
  });

  it('knows the loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1', '127.0.0.1.example.com']) expect(isLoopback(host)).toBe(false);
  });
});

describe('environment overrides', () => {
  it('takes $PORT and $LOG_LEVEL over the file', async () => {
    const config = await load(`server: { port: 8080 }\nlogging: { level: info }\n${MINIMAL_YAML}`, { env: { PORT: '9090', LOG_LEVEL: 'DEBUG' } });
    expect(config.server.port).toBe(9090);
    expect(config.logging.level).toBe('debug');
  });

  it('applies them when the file does not set those keys', async () => {
    const config = await load(MINIMAL_YAML, { env: { PORT: '3000', LOG_LEVEL: 'warn' } });
    expect(config.server).toEqual({ port: 3000, host: '127.0.0.1', rateLimit: null });
    expect(config.logging.level).toBe('warn');
  });

  it('reports invalid values at the keys they override', async () => {
    const source = `server:\n  port: 8080\nlogging: { level: info }\n${MINIMAL_YAML}`;
    expect(await problemLines(source, { env: { PORT: '80a', LOG_LEVEL: 'loud' } })).toEqual([
      'deploydb.yaml:2:9 server.port: $PORT must be an integer from 1 to 65535, not "80a"',
      'deploydb.yaml:3:19 logging.level: $LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not "loud"',
    ]);
    expect(await problemLines(MINIMAL_YAML, { env: { PORT: '70000' } })).toEqual([
      'deploydb.yaml:1:1 server.port: $PORT must be an integer from 1 to 65535, not "70000"',
    ]);
  });
});
