import { checkSchema } from './checkSchema.js';
import type { LoadedPlugins, PromotionDefinition } from './loadPlugins.js';
import type { EnvironmentConfig } from './model.js';
import { entriesInOrder, settingsOf, type KeyOrder } from './normalize.js';
import { joinPointer, splitPointer } from './paths.js';
import type { Problem } from './problems.js';
import { TOKEN_HASH_PATTERN, type ConfigFile } from './schema.js';
import { canonicalTokenHash, tokenHashOf } from './tokenHash.js';

export interface ModelCheckInput {
  /**
   * The data as written (after substitution). References, names and URLs are checked on it, so
   * that they are checked even in an entry that has other problems; a value of the wrong type
   * is the schema's to report and is skipped here.
   */
  data: unknown;
  /** Sections (and named entries) that passed the schema, for the checks that need their defaults. */
  file: Partial<ConfigFile>;
  plugins: LoadedPlugins;
  keyOrder?: KeyOrder;
}

export interface ModelCheck {
  problems: Problem[];
  /** Each promotion's settings as its plugin's schema returned them (defaults filled), by key. */
  settings: Map<string, Record<string, unknown>>;
  /** Each `plugins:` entry's config as its plugin's schema returned it, by index. */
  pluginConfigs: Map<number, Record<string, unknown>>;
  queueConfig: Record<string, unknown> | undefined;
}

/**
 * Checks what a schema cannot: that every name referenced is defined, that each promotion's
 * type is provided by a loaded plugin and its settings pass that plugin's schema (and its
 * `checkEnvironment` hook in every environment it applies in), that plugin configs pass their
 * plugins' schemas, that each token entry has its token or its hash (one of them) and no two
 * entries share a token, and that without `auth` the server stays on loopback.
 * Every problem is collected; nothing stops at the first.
 */
export function checkModel(input: ModelCheckInput): ModelCheck {
  const result: ModelCheck = { problems: [], settings: new Map(), pluginConfigs: new Map(), queueConfig: undefined };
  const data = record(input.data) ?? {};
  checkPlugins(input, result);
  const hookSettings = checkPromotions(input, result);
  checkEnvironments(data, result.problems);
  checkPipelines(data, result.problems);
  checkServices(data, result.problems);
  checkWebhooks(data, result.problems);
  checkAuth(data, result.problems);
  checkEnvironmentHooks(input, hookSettings, result.problems);
  return result;
}

function checkPlugins({ data, plugins }: ModelCheckInput, result: ModelCheck): void {
  // On the entries as written: another entry's mistake must not keep this one's config unchecked.
  list(record(data)?.plugins).forEach((written, index) => {
    const definition = plugins.listed[index];
    const config = record(written)?.config ?? {};
    if (!definition || !record(config)) return;
    const checked = checkSchema(definition.configSchema, config, { base: `/plugins/${index}/config` });
    if (checked.ok) result.pluginConfigs.set(index, checked.value as Record<string, unknown>);
    else result.problems.push(...checked.problems);
  });
  const queueConfig = record(record(data)?.queue)?.config ?? {};
  if (plugins.queue && record(queueConfig)) {
    const checked = checkSchema(plugins.queue.configSchema, queueConfig, { base: '/queue/config' });
    if (checked.ok) result.queueConfig = checked.value as Record<string, unknown>;
    else result.problems.push(...checked.problems);
  }
}

/**
 * Checks each promotion's settings with its plugin's schema. Returns the settings to run the
 * plugins' `checkEnvironment` hooks on: the valid ones, and of invalid ones what remains valid
 * once the keys with problems are left out, so that a typo in one key does not hide what the
 * hook would say about the others.
 */
function checkPromotions({ file, plugins }: ModelCheckInput, result: ModelCheck): Map<string, Record<string, unknown>> {
  const hookSettings = new Map<string, Record<string, unknown>>();
  const available = [...plugins.types.keys()];
  for (const [key, entry] of Object.entries(file.promotions ?? {})) {
    const base = joinPointer('/promotions', key);
    const provider = plugins.types.get(entry.type);
    if (!provider) {
      // With a plugin that failed to load, its type is the likely one missing; that failure is reported already.
      if (plugins.complete) {
        const offer =
          available.length > 0 ? `the loaded plugins provide: ${available.join(', ')}` : 'no promotion plugin is loaded (list packages under plugins)';
        result.problems.push({ pointer: `${base}/type`, message: `unknown promotion type "${entry.type}"; ${offer}` });
      }
      continue;
    }
    const settings = settingsOf(entry);
    const checked = checkSchema(provider.definition.settingsSchema, settings, { base });
    if (checked.ok) {
      result.settings.set(key, checked.value as Record<string, unknown>);
      hookSettings.set(key, checked.value as Record<string, unknown>);
      continue;
    }
    result.problems.push(...checked.problems);
    const wrong = new Set(checked.problems.map((problem) => splitPointer(problem.pointer.slice(base.length))[0]));
    const rest = Object.fromEntries(Object.entries(settings).filter(([name]) => !wrong.has(name)));
    const remaining = checkSchema(provider.definition.settingsSchema, rest, { base });
    if (remaining.ok) hookSettings.set(key, remaining.value as Record<string, unknown>);
  }
  return hookSettings;
}

function checkEnvironments(data: Record<string, unknown>, problems: Problem[]): void {
  for (const [key, entry] of entries(data.environments)) {
    const base = joinPointer('/environments', key);
    if (typeof entry.url === 'string' && !isHttpUrl(entry.url)) problems.push({ pointer: `${base}/url`, message: 'must be an absolute http(s) URL' });
    for (const [index, host] of strings(entry.hosts)) {
      if (!isHttpUrl(host)) problems.push({ pointer: `${base}/hosts/${index}`, message: 'must be an absolute http(s) URL' });
    }
  }
}

function checkPipelines(data: Record<string, unknown>, problems: Problem[]): void {
  const environments = names(data.environments);
  const promotions = names(data.promotions);
  for (const [key, pipeline] of entries(data.pipelines)) {
    const seen = new Map<string, number>();
    list(pipeline.environments).forEach((stage, index) => {
      const base = joinPointer('/pipelines', key, 'environments', index);
      const written = record(stage);
      const name = typeof stage === 'string' ? stage : written?.name;
      if (typeof name === 'string') {
        const at = written ? `${base}/name` : base;
        if (environments && !environments.has(name)) problems.push({ pointer: at, message: `unknown environment "${name}"` });
        const earlier = seen.get(name);
        if (earlier !== undefined) problems.push({ pointer: at, message: `environment "${name}" is already in this pipeline, at environments[${earlier}]` });
        else seen.set(name, index);
      }
      if (written && promotions) unknownNames(written.promotions, promotions, `${base}/promotions`, 'promotion', problems);
    });
  }
}

const MODULE = /^[^:\s]+:[^:\s]+$/;

function checkServices(data: Record<string, unknown>, problems: Problem[]): void {
  const pipelines = names(data.pipelines);
  const promotions = names(data.promotions);
  for (const [key, service] of entries(data.services)) {
    const base = joinPointer('/services', key);
    for (const [index, module] of strings(service.artifacts)) {
      if (!MODULE.test(module)) problems.push({ pointer: `${base}/artifacts/${index}`, message: `must be a module "group:name", not ${JSON.stringify(module)}` });
    }
    if (pipelines) unknownNames(service.pipelines, pipelines, `${base}/pipelines`, 'pipeline', problems);
    if (promotions) unknownNames(service.promotions, promotions, `${base}/promotions`, 'promotion', problems);
  }
}

function checkWebhooks(data: Record<string, unknown>, problems: Problem[]): void {
  const environments = names(data.environments);
  list(data.webhooks).forEach((written, index) => {
    const hook = record(written);
    if (!hook) return;
    if (typeof hook.url === 'string' && !isHttpUrl(hook.url)) problems.push({ pointer: `/webhooks/${index}/url`, message: 'must be an absolute http(s) URL' });
    if (environments) unknownNames(hook.environments, environments, `/webhooks/${index}/environments`, 'environment', problems);
  });
}

function checkAuth(data: Record<string, unknown>, problems: Problem[]): void {
  if (data.auth === undefined) {
    const host = record(data.server)?.host;
    if (typeof host === 'string' && !isLoopback(host)) {
      problems.push({
        pointer: '/server/host',
        message: `"${host}" is not a loopback address: without auth the server only listens on 127.x.x.x, ::1 or localhost (add auth.tokens to listen beyond)`,
      });
    }
    return;
  }
  const tokens = list(record(data.auth)?.tokens).map(record);
  const byName = new Map<string, number>();
  const byHash = new Map<string, number>();
  tokens.forEach((token, index) => {
    if (!token) return;
    const base = `/auth/tokens/${index}`;
    if (typeof token.name === 'string') {
      const same = byName.get(token.name);
      if (same !== undefined) problems.push({ pointer: `${base}/name`, message: `token name "${token.name}" is already used by auth.tokens[${same}]` });
      else byName.set(token.name, index);
    }
    const written = ['token', 'tokenHash'].filter((key) => token[key] !== undefined);
    if (written.length === 2) {
      problems.push({ pointer: `${base}/tokenHash`, at: 'key', message: 'holds both token and tokenHash; keep one (tokenHash keeps the secret out of the file)' });
      return;
    }
    if (written.length === 0) {
      problems.push({ pointer: `${base}/token`, at: 'parent', message: 'is required, or tokenHash: "sha256:<64 hex digits>" instead' });
      return;
    }
    const hash = hashWritten(token);
    if (hash === undefined) return;
    const same = byHash.get(hash);
    // The token itself is a secret: say whose it matches, never what it is.
    if (same !== undefined) {
      const owner = tokens[same]?.name;
      const whose = typeof owner === 'string' ? ` ("${owner}")` : '';
      problems.push({ pointer: `${base}/${written[0]}`, message: `same token as auth.tokens[${same}]${whose}; every token must be different` });
    } else byHash.set(hash, index);
  });
}

/** The hash of an entry's token as written, when it is well-formed (the schema reports it otherwise). */
function hashWritten(token: Record<string, unknown>): string | undefined {
  if (typeof token.token === 'string' && token.token !== '') return tokenHashOf(token.token);
  if (typeof token.tokenHash === 'string' && TOKEN_HASH.test(token.tokenHash)) return canonicalTokenHash(token.tokenHash);
  return undefined;
}

const TOKEN_HASH = new RegExp(TOKEN_HASH_PATTERN);

/** One environment a promotion applies in, and why, for the problem's message. */
interface Application {
  promotion: string;
  environment: EnvironmentConfig;
  via: string;
}

function checkEnvironmentHooks({ data, plugins, keyOrder }: ModelCheckInput, hookSettings: ReadonlyMap<string, Record<string, unknown>>, problems: Problem[]): void {
  // On the sections as written, each entry read for what it holds of the right type: an entry
  // with a mistake of its own still says where a promotion applies.
  const written = record(data) ?? {};
  const environments = new Map(ordered(written.environments, '/environments', keyOrder).map(([key, entry]) => [key, environmentAsWritten(key, entry)] as const));
  const pipelines = new Map(ordered(written.pipelines, '/pipelines', keyOrder).map(([key, entry]) => [key, stagesAsWritten(entry.environments)] as const));
  const applications: Application[] = [];
  for (const [key, stages] of pipelines) {
    for (const stage of stages) {
      const environment = environments.get(stage.name);
      if (!environment) continue;
      for (const promotion of stage.promotions) applications.push({ promotion, environment, via: `pipeline "${key}"` });
    }
  }
  for (const [key, service] of ordered(written.services, '/services', keyOrder)) {
    for (const [, name] of strings(service.pipelines)) {
      for (const stage of pipelines.get(name) ?? []) {
        const environment = environments.get(stage.name);
        if (!environment) continue;
        for (const [, promotion] of strings(service.promotions)) applications.push({ promotion, environment, via: `service "${key}"` });
      }
    }
  }
  const promotions = record(written.promotions) ?? {};

  const reported = new Set<string>();
  for (const { promotion, environment, via } of applications) {
    const settings = hookSettings.get(promotion);
    const type = record(promotions[promotion])?.type;
    const definition: PromotionDefinition | undefined = typeof type === 'string' ? plugins.types.get(type)?.definition : undefined;
    if (!settings || !definition?.checkEnvironment) continue;
    let messages: string[];
    try {
      messages = definition.checkEnvironment(settings, environment);
    } catch (error) {
      messages = [`checking it failed: ${error instanceof Error ? error.message : String(error)}`];
    }
    for (const message of messages) {
      const once = JSON.stringify([promotion, environment.key, message]);
      if (reported.has(once)) continue;
      reported.add(once);
      problems.push({
        pointer: joinPointer('/promotions', promotion),
        at: 'key',
        message: `${message} (in environment "${environment.key}", used by ${via})`,
      });
    }
  }
}

/** A named section's mapping entries as written, in file order. */
function ordered(section: unknown, pointer: string, keyOrder: KeyOrder | undefined): [string, Record<string, unknown>][] {
  return entriesInOrder(Object.fromEntries(entries(section)), keyOrder?.(pointer));
}

/** An environment as written, with the fields that have the right type (the schema reports the rest). */
function environmentAsWritten(key: string, entry: Record<string, unknown>): EnvironmentConfig {
  return {
    key,
    description: typeof entry.description === 'string' ? entry.description : null,
    url: typeof entry.url === 'string' && entry.url !== '' ? entry.url : null,
    hosts: strings(entry.hosts).map(([, host]) => host),
  };
}

/** A pipeline's stages as written: a name alone, or a mapping with a name and promotions. */
function stagesAsWritten(value: unknown): { name: string; promotions: string[] }[] {
  return list(value).flatMap((stage) => {
    if (typeof stage === 'string') return [{ name: stage, promotions: [] }];
    const entry = record(stage);
    if (!entry || typeof entry.name !== 'string') return [];
    return [{ name: entry.name, promotions: strings(entry.promotions).map(([, name]) => name) }];
  });
}

/** Loopback addresses the server may bind to without authentication. */
export function isLoopback(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(name);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function unknownNames(value: unknown, known: ReadonlySet<string>, base: string, what: string, problems: Problem[]): void {
  for (const [index, name] of strings(value)) {
    if (!known.has(name)) problems.push({ pointer: `${base}/${index}`, message: `unknown ${what} "${name}"` });
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The names a named section defines; undefined when it is not a mapping (nothing can be checked against it). */
function names(section: unknown): ReadonlySet<string> | undefined {
  if (section === undefined) return new Set();
  const map = record(section);
  return map ? new Set(Object.keys(map)) : undefined;
}

function entries(section: unknown): [string, Record<string, unknown>][] {
  return Object.entries(record(section) ?? {}).flatMap(([key, value]) => {
    const entry = record(value);
    return entry ? [[key, entry] as [string, Record<string, unknown>]] : [];
  });
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): [number, string][] {
  return list(value).flatMap((item, index) => (typeof item === 'string' ? [[index, item] as [number, string]] : []));
}
