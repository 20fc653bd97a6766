/**
 * Small stand-ins for the promotion and queue plugins, and the example file of CONTRACT §2, for
 * the configuration tests. Not exported from the package.
 */
import Type from 'typebox';
import { definePlugin, type PluginDefinition } from '../plugin-api/definePlugin.js';
import type { DescribePlugin } from './loadPlugins.js';
import { loadConfig } from './loadConfig.js';
import { ConfigInvalidError } from './problems.js';
import type { DeployDbConfig } from './model.js';
import type { Env } from './substitute.js';

const strict = { additionalProperties: false } as const;
const never = () => ({ evaluate: () => ({ status: 'PENDING' as const }) });

export const manualPlugin = definePlugin({
  id: '@deploydb/promotion-manual',
  kind: 'promotion',
  type: 'manual',
  settingsSchema: Type.Object({ approvers: Type.Optional(Type.Array(Type.String())) }, strict),
  create: never,
});

export const jenkinsPlugin = definePlugin({
  id: '@deploydb/promotion-jenkins',
  kind: 'promotion',
  type: 'JenkinsPromotion',
  configSchema: Type.Object(
    {
      baseUrl: Type.String(),
      user: Type.String(),
      token: Type.String(),
      pollInterval: Type.Number({ exclusiveMinimum: 0, default: 5 }),
      timeout: Type.Number({ exclusiveMinimum: 0, default: 600 }),
    },
    strict,
  ),
  settingsSchema: Type.Object(
    {
      jobs: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
      parameters: Type.Optional(Type.Record(Type.String(), Type.String())),
      pollInterval: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
      timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    },
    strict,
  ),
  create: never,
});

export const webhookPlugin = definePlugin({
  id: '@deploydb/promotion-webhook',
  kind: 'promotion',
  type: 'WebhookPromotion',
  settingsSchema: Type.Object(
    {
      url: Type.String({ minLength: 1 }),
      status: Type.Integer({ minimum: 100, maximum: 599, default: 200 }),
      timeout: Type.Number({ exclusiveMinimum: 0, default: 15 }),
      retries: Type.Integer({ minimum: 0, default: 3 }),
      interval: Type.Number({ exclusiveMinimum: 0, default: 5 }),
    },
    strict,
  ),
  checkEnvironment: (settings, environment) =>
    settings.url.startsWith('/') && environment.url === null && environment.hosts.length === 0
      ? [`relative url "${settings.url}" needs the environment's url or hosts`]
      : [],
  create: never,
});

export const natsPlugin = definePlugin({
  id: '@deploydb/queue-nats',
  kind: 'queue',
  configSchema: Type.Object({ servers: Type.String() }, strict),
  create: () => {
    throw new Error('not started in configuration tests');
  },
});

export const PLUGINS: Record<string, PluginDefinition> = {
  '@deploydb/promotion-manual': manualPlugin,
  '@deploydb/promotion-jenkins': jenkinsPlugin,
  '@deploydb/promotion-webhook': webhookPlugin,
  '@deploydb/queue-nats': natsPlugin,
};

/** Describes the fake plugins by package name, failing as the kernel does for any other. */
export function fakeDescribe(plugins: Record<string, PluginDefinition> = PLUGINS): DescribePlugin {
  return async (name) => {
    const plugin = plugins[name];
    if (!plugin) throw new Error(`plugin package "${name}" is not installed: run npm install ${name}`);
    return plugin;
  };
}

export const EXAMPLE_ENV: Env = {
  JENKINS_TOKEN: 'jenkins-secret',
  CI_TOKEN: 'ci-token',
  ALICE_TOKEN: 'alice-token',
  OPS_TOKEN: 'ops-token',
  HOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
};

/** The example configuration of CONTRACT §2, as written there. */
export const EXAMPLE_YAML = `server:
  port: 8080                      # $PORT overrides
  host: 127.0.0.1
logging: { level: info }          # $LOG_LEVEL overrides; one JSON line per log event
database:
  url: postgres://user@127.0.0.1:5432/deploydb   # omit for the embedded default
  dir: .deploydb                  # embedded only: data folder, relative to this file's folder
queue:                            # omit for the built-in embedded queue
  plugin: "@deploydb/queue-nats"
  config: { servers: "nats://127.0.0.1:4222" }
plugins:                          # promotion plugins to load, each an npm package
  - package: "@deploydb/promotion-manual"
  - package: "@deploydb/promotion-webhook"
  - package: "@deploydb/promotion-jenkins"
    config: { baseUrl: "http://jenkins.internal:8080", user: deploydb, token: "\${JENKINS_TOKEN}" }
auth:                             # omit: no auth, and the server refuses to bind beyond loopback
  tokens:
    - { name: jenkins, token: "\${CI_TOKEN}", roles: [ci] }
    - { name: alice,   token: "\${ALICE_TOKEN}", roles: [approver, read] }
    - { name: ops,     token: "\${OPS_TOKEN}", roles: [admin] }

environments:
  dev-alpha: { description: "Developer alpha", url: "http://dev-alpha.internal:8080" }
  integ:     { description: "Integration", url: "http://integ.internal:8080" }
  preprod:   { description: "Pre-production", url: "http://preprod.internal:8080" }
  prod:
    description: "Production"
    hosts: ["http://prod-1.internal:8080", "http://prod-2.internal:8080"]

promotions:
  manual:
    type: manual
    approvers: [alice, bob]       # token names; omit: anyone with role approver
  jenkins-smoke:
    type: JenkinsPromotion
    jobs: [basic-smokes-test, basic-perf-test, end2end-smoke-test]
  status-check:
    type: WebhookPromotion
    url: /healthcheck             # starts with "/": appended to the environment's url, or to each of
                                  #   its hosts (http://h/app + /healthcheck = http://h/app/healthcheck)
    status: 200                   # the exact status every probe must get
    timeout: 15                   # seconds per probe
    retries: 3                    # defaults: 3 more probes, \`interval\` seconds apart, before FAILED
    interval: 5

pipelines:
  devtoprod:
    environments:
      - dev-alpha
      - { name: integ, promotions: [jenkins-smoke] }
      - { name: preprod, promotions: [status-check, manual] }
      - prod

services:
  faas:
    name: "Fun as a Service"
    artifacts: ["com.github.lookout:foas", "com.github.lookout:puppet-foas"]
    pipelines: [devtoprod]
    promotions: [status-check]    # apply in every environment of its pipelines

webhooks:                         # outbound notifications (section 5)
  - url: "http://hooks.internal/deploydb"
    events: ["deployment.*", "promotion.completed"]   # globs over the type without "deploydb."; default: all
    environments: [prod]          # default: all
    secret: "\${HOOK_SECRET}"      # Standard Webhooks secret, "whsec_" + base64
    retry: { attempts: 10, backoff: 5 }   # defaults; seconds before the 2nd try, doubling, capped at 1 h
`;

/** Where the test files pretend to live. */
export const CONFIG_PATH = '/etc/deploydb/deploydb.yaml';

/** A small valid file that tests extend; needs no environment variables and no plugins. */
export const MINIMAL_YAML = `environments:
  dev: { url: "http://dev.internal" }
  prod: { url: "http://prod.internal" }
pipelines:
  main:
    environments: [dev, prod]
services:
  shop:
    name: Shop
    artifacts: ["com.acme:shop"]
    pipelines: [main]
`;

export interface LoadOptions {
  env?: Env;
  describe?: DescribePlugin;
}

/** Loads a configuration from text. */
export function load(source: string, options: LoadOptions = {}): Promise<DeployDbConfig> {
  return loadConfig({ path: CONFIG_PATH, env: options.env ?? EXAMPLE_ENV, describePlugin: options.describe ?? fakeDescribe(), source });
}

/** Loads a configuration that must be invalid, and returns its error. */
export async function loadError(source: string, options: LoadOptions = {}): Promise<ConfigInvalidError> {
  try {
    await load(source, options);
  } catch (error) {
    if (error instanceof ConfigInvalidError) return error;
    throw error;
  }
  throw new Error('the configuration loaded without error');
}

/** The printed problem lines of a configuration that must be invalid. */
export async function problemLines(source: string, options: LoadOptions = {}): Promise<string[]> {
  return (await loadError(source, options)).message.split('\n');
}
