import { isAbsolute, resolve } from 'node:path';
import type {
  DeployDbConfig,
  EnvironmentConfig,
  PipelineConfig,
  PipelineStage,
  PromotionConfig,
  ServiceConfig,
  WebhookConfig,
} from './model.js';
import type { ConfigFile, StageEntry, TokenEntry } from './schema.js';
import { canonicalTokenHash, tokenHashOf } from './tokenHash.js';

/** Keys of a mapping in the order the file writes them (JavaScript objects put numeric keys first). */
export type KeyOrder = (pointer: string) => readonly string[] | undefined;

/** The entries of a named map in file order. */
export function entriesInOrder<T>(map: Record<string, T>, order: readonly string[] | undefined): [string, T][] {
  const keys = Object.keys(map);
  const ordered = (order ?? []).filter((key) => Object.hasOwn(map, key));
  const seen = new Set(ordered);
  return [...ordered, ...keys.filter((key) => !seen.has(key))].map((key) => [key, map[key]!]);
}

/** An environment as the model holds it: every field present, null where not written. */
export function toEnvironment(key: string, entry: ConfigFile['environments'][string]): EnvironmentConfig {
  return { key, description: entry.description ?? null, url: entry.url ?? null, hosts: [...entry.hosts] };
}

/** A stage written as a name alone becomes a stage without promotions. */
export function toStage(entry: StageEntry): PipelineStage {
  return typeof entry === 'string' ? { name: entry, promotions: [] } : { name: entry.name, promotions: [...(entry.promotions ?? [])] };
}

export interface ModelParts {
  /** Absolute path of the configuration file. */
  path: string;
  /** Each promotion's settings as its plugin's schema returned them. */
  settings: ReadonlyMap<string, Record<string, unknown>>;
  /** Each `plugins:` entry's config as its plugin's schema returned it, by index. */
  pluginConfigs: ReadonlyMap<number, Record<string, unknown>>;
  queueConfig: Record<string, unknown> | undefined;
  keyOrder: KeyOrder;
}

/** Builds the loaded configuration from a file that passed every check. */
export function toModel(file: ConfigFile, parts: ModelParts): DeployDbConfig {
  const { keyOrder } = parts;
  const configDir = resolve(parts.path, '..');
  const environments = entriesInOrder(file.environments, keyOrder('/environments')).map(([key, entry]) => toEnvironment(key, entry));
  const promotions = entriesInOrder(file.promotions, keyOrder('/promotions')).map(
    ([key, entry]): PromotionConfig => ({ key, type: entry.type, settings: parts.settings.get(key) ?? settingsOf(entry) }),
  );
  const pipelines = entriesInOrder(file.pipelines, keyOrder('/pipelines')).map(
    ([key, entry]): PipelineConfig => ({ key, environments: entry.environments.map(toStage) }),
  );
  const services = entriesInOrder(file.services, keyOrder('/services')).map(
    ([key, entry]): ServiceConfig => ({
      key,
      name: entry.name,
      artifacts: [...entry.artifacts],
      pipelines: [...entry.pipelines],
      promotions: [...entry.promotions],
    }),
  );
  const webhooks = file.webhooks.map(
    (hook): WebhookConfig => ({
      url: hook.url,
      events: [...hook.events],
      environments: [...hook.environments],
      secret: hook.secret ?? null,
      retry: { attempts: hook.retry.attempts, backoff: hook.retry.backoff },
    }),
  );
  return {
    file: parts.path,
    server: {
      port: file.server.port,
      host: file.server.host,
      rateLimit: file.server.rateLimit ? { perMinute: file.server.rateLimit.perMinute } : null,
    },
    logging: { level: file.logging.level, format: file.logging.format ?? null },
    database: {
      url: file.database.url ?? null,
      // Relative to the file, not to wherever the process was started.
      dir: isAbsolute(file.database.dir) ? file.database.dir : resolve(configDir, file.database.dir),
    },
    queue: file.queue ? { package: file.queue.plugin, config: parts.queueConfig ?? file.queue.config } : null,
    plugins: file.plugins.map((entry, index) => ({ package: entry.package, config: parts.pluginConfigs.get(index) ?? entry.config })),
    auth: file.auth ? { tokens: file.auth.tokens.map((token) => ({ name: token.name, tokenHash: hashOf(token), roles: [...token.roles] })) } : null,
    environments,
    promotions,
    pipelines,
    services,
    webhooks,
  };
}

/** An entry of `auth.tokens` holds its token or its hash (the model's checks made sure of one). */
function hashOf(entry: TokenEntry): string {
  return entry.tokenHash !== undefined ? canonicalTokenHash(entry.tokenHash) : tokenHashOf(entry.token!);
}

/** A promotion's settings: all its keys but `type`. */
export function settingsOf(entry: Record<string, unknown>): Record<string, unknown> {
  const { type: _type, ...settings } = entry;
  return settings;
}
