import { describe, expect, it } from 'vitest';
import { checkFile } from './checkFile.js';
import { load, MINIMAL_YAML, problemLines } from './fixtures.js';

/** The valid base file: 11 lines, so a section appended to it starts on line 12. */
const BASE = MINIMAL_YAML;

describe('the schema of deploydb.yaml', () => {
  it('reports an unknown key at the key itself, with the keys allowed there', async () => {
    expect(await problemLines(`server:\n  port: 8080\n  hots: x\n${BASE}`)).toEqual([
      'deploydb.yaml:3:3 server.hots: unknown key "hots"; allowed keys: port, host, rateLimit',
    ]);
    expect(await problemLines(`${BASE}servces: {}\n`)).toEqual([
      'deploydb.yaml:12:1 servces: unknown key "servces"; allowed keys: server, logging, database, queue, plugins, auth, environments, promotions, pipelines, services, webhooks',
    ]);
  });

  it('reports a missing required key at the mapping that should hold it', async () => {
    const source = BASE.replace('    name: Shop\n', '');
    expect(await problemLines(source)).toEqual(['deploydb.yaml:9:5 services.shop.name: is required']);
    expect(await problemLines(`queue: { config: {} }\n${BASE}`)).toEqual(['deploydb.yaml:1:8 queue.plugin: is required']);
  });

  it('checks server, logging and database', async () => {
    const source = `server:\n  port: 70000\nlogging:\n  level: verbose\ndatabase: { dir: "", url: 5 }\n${BASE}`;
    expect(await problemLines(source)).toEqual([
      'deploydb.yaml:2:9 server.port: must be <= 65535',
      'deploydb.yaml:4:10 logging.level: must be one of "trace", "debug", "info", "warn", "error", "fatal", "silent"',
      'deploydb.yaml:5:18 database.dir: must not be empty',
      'deploydb.yaml:5:27 database.url: must be a string, not an integer',
    ]);
    expect(await problemLines(`server: { port: 0 }\n${BASE}`)).toEqual(['deploydb.yaml:1:17 server.port: must be >= 1']);
    expect(await problemLines(`server: { port: 80.5 }\n${BASE}`)).toEqual(['deploydb.yaml:1:17 server.port: must be an integer, not a number']);
    expect(await problemLines(`server: { rateLimit: { perMinute: 0 } }\n${BASE}`)).toEqual(['deploydb.yaml:1:35 server.rateLimit.perMinute: must be >= 1']);
    expect(await problemLines(`server: { rateLimit: { perSecond: 5 } }\n${BASE}`)).toEqual([
      'deploydb.yaml:1:22 server.rateLimit.perMinute: is required',
      'deploydb.yaml:1:24 server.rateLimit.perSecond: unknown key "perSecond"; allowed keys: perMinute',
    ]);
    expect((await load(`server: { rateLimit: { perMinute: 120 } }\n${BASE}`)).server.rateLimit).toEqual({ perMinute: 120 });
  });

  it('checks plugins, the queue and auth tokens', async () => {
    const source = `plugins:
  - pkg: x
  - package: ""
auth:
  tokens:
    - { name: a, token: "", roles: [] }
    - { name: b, token: t, roles: [root, read] }
    - name: c
${BASE}`;
    expect(await problemLines(source)).toEqual([
      'deploydb.yaml:2:5 plugins[0].package: is required',
      'deploydb.yaml:2:5 plugins[0].pkg: unknown key "pkg"; allowed keys: package, config',
      'deploydb.yaml:3:14 plugins[1].package: must not be empty',
      'deploydb.yaml:6:25 auth.tokens[0].token: must not be empty',
      'deploydb.yaml:6:36 auth.tokens[0].roles: must not be empty',
      'deploydb.yaml:7:36 auth.tokens[1].roles[0]: must be one of "read", "ci", "approver", "admin"',
      'deploydb.yaml:8:7 auth.tokens[2].roles: is required',
      'deploydb.yaml:8:7 auth.tokens[2].token: is required, or tokenHash: "sha256:<64 hex digits>" instead',
    ]);
  });

  it('checks names, environments, promotions, pipelines and services', async () => {
    const source = `environments:
  -dev: {}
  prod: { url: 5, hosts: "x" }
  "my env": {}
promotions:
  p1: { approvers: [] }
pipelines:
  main:
    environments: [prod, 5, { nam: prod }, { name: prod, promotions: x }]
  empty: { environments: [] }
services:
  shop:
    name: Shop
    artifacts: "com.acme:shop"
`;
    expect(await problemLines(source)).toEqual([
      'deploydb.yaml:2:3 environments.-dev: invalid name "-dev": a name starts with a letter or digit and has only letters, digits, ".", "_" and "-" (it appears in URLs)',
      'deploydb.yaml:3:16 environments.prod.url: must be a string, not an integer',
      'deploydb.yaml:3:26 environments.prod.hosts: must be a list, not a string',
      'deploydb.yaml:4:3 environments["my env"]: invalid name "my env": a name starts with a letter or digit and has only letters, digits, ".", "_" and "-" (it appears in URLs)',
      'deploydb.yaml:6:7 promotions.p1.type: is required',
      'deploydb.yaml:9:26 pipelines.main.environments[1]: must be an environment name or a mapping { name, promotions }, not an integer',
      'deploydb.yaml:9:29 pipelines.main.environments[2].name: is required',
      'deploydb.yaml:9:31 pipelines.main.environments[2].nam: unknown key "nam"; allowed keys: name, promotions',
      'deploydb.yaml:9:52 pipelines.main.environments[3].name: environment "prod" is already in this pipeline, at environments[0]',
      'deploydb.yaml:9:70 pipelines.main.environments[3].promotions: must be a list, not a string',
      'deploydb.yaml:10:26 pipelines.empty.environments: must not be empty',
      'deploydb.yaml:13:5 services.shop.pipelines: is required',
      'deploydb.yaml:14:16 services.shop.artifacts: must be a list, not a string',
    ]);
  });

  it('checks webhooks', async () => {
    const source = `webhooks:
  - url: http://h/x
    secret: nope
    retry: { attempts: 0, backoff: 0 }
  - {}
  - url: http://h/y
    retry: { attempts: 101 }
    events: [""]
${BASE}`;
    expect(await problemLines(source)).toEqual([
      'deploydb.yaml:3:13 webhooks[0].secret: must be a Standard Webhooks secret: "whsec_" followed by base64',
      'deploydb.yaml:4:24 webhooks[0].retry.attempts: must be >= 1',
      'deploydb.yaml:4:36 webhooks[0].retry.backoff: must be > 0',
      'deploydb.yaml:5:5 webhooks[1].url: is required',
      'deploydb.yaml:7:24 webhooks[2].retry.attempts: must be <= 100',
      'deploydb.yaml:8:14 webhooks[2].events[0]: must not be empty',
    ]);
  });

  it('reports a section of the wrong kind', async () => {
    expect(await problemLines('environments: []\npipelines:\nservices: 5\n')).toEqual([
      'deploydb.yaml:1:15 environments: must be a mapping, not a list',
      'deploydb.yaml:2:1 pipelines: must be a mapping, not empty',
      'deploydb.yaml:3:11 services: must be a mapping, not an integer',
    ]);
  });

  it('reports more problems than TypeBox gathers by default', async () => {
    const entries = Array.from({ length: 12 }, (_, i) => `  e${i}: { colour: red }`).join('\n');
    const lines = await problemLines(`environments:\n${entries}\n`);
    expect(lines).toHaveLength(12);
    expect(lines[11]).toBe('deploydb.yaml:13:10 environments.e11.colour: unknown key "colour"; allowed keys: description, url, hosts');
  });

  it('takes logging.format json or pretty, and nothing else', async () => {
    expect((await load('logging: { format: json }\n')).logging).toEqual({ level: 'info', format: 'json' });
    expect((await load('logging: { format: pretty }\n')).logging).toEqual({ level: 'info', format: 'pretty' });
    expect(await problemLines('logging: { format: yaml }\n')).toEqual(['deploydb.yaml:1:20 logging.format: must be one of "json", "pretty"']);
  });

  it('fills in every default', async () => {
    const config = await load('webhooks:\n  - url: http://hooks.internal/x\n');
    expect(config).toMatchObject({
      server: { port: 8080, host: '127.0.0.1', rateLimit: null },
      logging: { level: 'info', format: null },
      database: { url: null, dir: '/etc/deploydb/.deploydb' },
      queue: null,
      plugins: [],
      auth: null,
      environments: [],
      promotions: [],
      pipelines: [],
      services: [],
      webhooks: [{ url: 'http://hooks.internal/x', events: ['*'], environments: [], secret: null, retry: { attempts: 10, backoff: 5 } }],
    });
  });

  it('accepts an empty file', async () => {
    expect((await load('')).environments).toEqual([]);
    expect((await load('# nothing yet\n')).services).toEqual([]);
  });
});

describe('checkFile', () => {
  it('keeps the valid sections, and the valid entries of a named section, when others fail', () => {
    const { file, problems } = checkFile({
      server: { port: 'x' },
      environments: { ok: {}, bad: { colour: 1 } },
      webhooks: [{ url: 'http://h' }],
    });
    expect(problems.map((problem) => problem.pointer)).toEqual(['/server/port', '/environments/bad/colour']);
    expect(file.server).toBeUndefined();
    expect(file.environments).toEqual({ ok: { hosts: [] } });
    expect(file.webhooks).toEqual([{ url: 'http://h', events: ['*'], environments: [], retry: { attempts: 10, backoff: 5 } }]);
  });
});
