import { checkSchema } from './checkSchema.js';
import type { LoadedPlugins, PromotionDefinition } from './loadPlugins.js';
import type { EnvironmentConfig } from './model.js';
import { entriesInOrder, settingsOf, toEnvironment, toStage, type KeyOrder } from './normalize.js';
import { joinPointer } from './paths.js';
import type { Problem } from './problems.js';
import type { ConfigFile } from './schema.js';
import type { FileCheck } from './checkFile.js';

export interface ModelCheckInput {
  /** Sections (and named entries) that passed the schema; checks that need a missing one are skipped. */
  file: Partial<ConfigFile>;
  /** Every name written in the named sections, to tell whether a reference resolves. */
  names: FileCheck['names'];
  /** Top-level sections that had problems. */
  failed: ReadonlySet<string>;
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
 * plugins' schemas, that tokens are unique, and that without `auth` the server stays on loopback.
 * Every problem is collected; nothing stops at the first.
 */
export function checkModel(input: ModelCheckInput): ModelCheck {
  const result: ModelCheck = { problems: [], settings: new Map(), pluginConfigs: new Map(), queueConfig: undefined };
  checkPlugins(input, result);
  checkPromotions(input, result);
  checkEnvironments(input, result.problems);
  checkPipelines(input, result.problems);
  checkServices(input, result.problems);
  checkWebhooks(input, result.problems);
  checkAuth(input, result.problems);
  checkEnvironmentHooks(input, result);
  return result;
}

function checkPlugins({ file, plugins }: ModelCheckInput, result: ModelCheck): void {
  file.plugins?.forEach((entry, index) => {
    const definition = plugins.promotion[index];
    if (!definition) return;
    const checked = checkSchema(definition.configSchema, entry.config, { base: `/plugins/${index}/config` });
    if (checked.ok) result.pluginConfigs.set(index, checked.value as Record<string, unknown>);
    else result.problems.push(...checked.problems);
  });
  if (file.queue && plugins.queue) {
    const checked = checkSchema(plugins.queue.configSchema, file.queue.config, { base: '/queue/config' });
    if (checked.ok) result.queueConfig = checked.value as Record<string, unknown>;
    else result.problems.push(...checked.problems);
  }
}

function checkPromotions({ file, plugins }: ModelCheckInput, result: ModelCheck): void {
  if (!file.promotions) return;
  const available = [...plugins.types.keys()];
  for (const [key, entry] of Object.entries(file.promotions)) {
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
    const checked = checkSchema(provider.definition.settingsSchema, settingsOf(entry), { base });
    if (checked.ok) result.settings.set(key, checked.value as Record<string, unknown>);
    else result.problems.push(...checked.problems);
  }
}

function checkEnvironments({ file }: ModelCheckInput, problems: Problem[]): void {
  for (const [key, entry] of Object.entries(file.environments ?? {})) {
    const base = joinPointer('/environments', key);
    if (entry.url != null && !isHttpUrl(entry.url)) problems.push({ pointer: `${base}/url`, message: 'must be an absolute http(s) URL' });
    entry.hosts.forEach((host, index) => {
      if (!isHttpUrl(host)) problems.push({ pointer: `${base}/hosts/${index}`, message: 'must be an absolute http(s) URL' });
    });
  }
}

function checkPipelines({ file, names }: ModelCheckInput, problems: Problem[]): void {
  for (const [key, pipeline] of Object.entries(file.pipelines ?? {})) {
    const seen = new Map<string, number>();
    pipeline.environments.forEach((entry, index) => {
      const base = joinPointer('/pipelines', key, 'environments', index);
      const stage = toStage(entry);
      const namePointer = typeof entry === 'string' ? base : `${base}/name`;
      if (names.environments && !names.environments.has(stage.name)) {
        problems.push({ pointer: namePointer, message: `unknown environment "${stage.name}"` });
      }
      const earlier = seen.get(stage.name);
      if (earlier !== undefined) problems.push({ pointer: namePointer, message: `environment "${stage.name}" is already in this pipeline, at environments[${earlier}]` });
      else seen.set(stage.name, index);
      if (names.promotions) {
        stage.promotions.forEach((name, position) => {
          if (!names.promotions!.has(name)) problems.push({ pointer: `${base}/promotions/${position}`, message: `unknown promotion "${name}"` });
        });
      }
    });
  }
}

const MODULE = /^[^:\s]+:[^:\s]+$/;

function checkServices({ file, names }: ModelCheckInput, problems: Problem[]): void {
  for (const [key, service] of Object.entries(file.services ?? {})) {
    const base = joinPointer('/services', key);
    service.artifacts.forEach((module, index) => {
      if (!MODULE.test(module)) problems.push({ pointer: `${base}/artifacts/${index}`, message: `must be a module "group:name", not ${JSON.stringify(module)}` });
    });
    if (names.pipelines) {
      service.pipelines.forEach((name, index) => {
        if (!names.pipelines!.has(name)) problems.push({ pointer: `${base}/pipelines/${index}`, message: `unknown pipeline "${name}"` });
      });
    }
    if (names.promotions) {
      service.promotions.forEach((name, index) => {
        if (!names.promotions!.has(name)) problems.push({ pointer: `${base}/promotions/${index}`, message: `unknown promotion "${name}"` });
      });
    }
  }
}

function checkWebhooks({ file, names }: ModelCheckInput, problems: Problem[]): void {
  file.webhooks?.forEach((hook, index) => {
    if (!isHttpUrl(hook.url)) problems.push({ pointer: `/webhooks/${index}/url`, message: 'must be an absolute http(s) URL' });
    if (!names.environments) return;
    hook.environments.forEach((name, position) => {
      if (!names.environments!.has(name)) problems.push({ pointer: `/webhooks/${index}/environments/${position}`, message: `unknown environment "${name}"` });
    });
  });
}

function checkAuth({ file, failed }: ModelCheckInput, problems: Problem[]): void {
  if (file.auth) {
    const names = new Map<string, number>();
    const values = new Map<string, number>();
    file.auth.tokens.forEach((token, index) => {
      const sameName = names.get(token.name);
      if (sameName !== undefined) problems.push({ pointer: `/auth/tokens/${index}/name`, message: `token name "${token.name}" is already used by auth.tokens[${sameName}]` });
      else names.set(token.name, index);
      const sameValue = values.get(token.token);
      // The token itself is a secret: say whose it matches, never what it is.
      if (sameValue !== undefined) {
        const owner = file.auth!.tokens[sameValue]!.name;
        problems.push({ pointer: `/auth/tokens/${index}/token`, message: `same token as auth.tokens[${sameValue}] ("${owner}"); every token must be different` });
      } else values.set(token.token, index);
    });
  } else if (!failed.has('auth') && file.server && !isLoopback(file.server.host)) {
    problems.push({
      pointer: '/server/host',
      message: `"${file.server.host}" is not a loopback address: without auth the server only listens on 127.x.x.x, ::1 or localhost (add auth.tokens to listen beyond)`,
    });
  }
}

/** One environment a promotion applies in, and why, for the problem's message. */
interface Application {
  promotion: string;
  environment: EnvironmentConfig;
  via: string;
}

function checkEnvironmentHooks({ file, plugins, keyOrder }: ModelCheckInput, result: ModelCheck): void {
  if (!file.environments || !file.pipelines || !file.promotions) return;
  const environments = new Map(
    entriesInOrder(file.environments, keyOrder?.('/environments')).map(([key, entry]) => [key, toEnvironment(key, entry)] as const),
  );
  const applications: Application[] = [];
  const pipelineEntries = entriesInOrder(file.pipelines, keyOrder?.('/pipelines'));
  for (const [key, pipeline] of pipelineEntries) {
    for (const stage of pipeline.environments.map(toStage)) {
      const environment = environments.get(stage.name);
      if (!environment) continue;
      for (const promotion of stage.promotions) applications.push({ promotion, environment, via: `pipeline "${key}"` });
    }
  }
  for (const [key, service] of entriesInOrder(file.services ?? {}, keyOrder?.('/services'))) {
    for (const name of service.pipelines) {
      const pipeline = file.pipelines[name];
      if (!pipeline) continue;
      for (const stage of pipeline.environments.map(toStage)) {
        const environment = environments.get(stage.name);
        if (!environment) continue;
        for (const promotion of service.promotions) applications.push({ promotion, environment, via: `service "${key}"` });
      }
    }
  }

  const reported = new Set<string>();
  for (const { promotion, environment, via } of applications) {
    const settings = result.settings.get(promotion);
    const entry = file.promotions[promotion];
    const definition: PromotionDefinition | undefined = entry && plugins.types.get(entry.type)?.definition;
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
      result.problems.push({ pointer: joinPointer('/promotions', promotion), at: 'key', message: `${message} (in environment "${environment.key}", used by ${via})` });
    }
  }
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
