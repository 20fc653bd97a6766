import type { Static, TSchema } from 'typebox';
import Type from 'typebox';
import type { PromotionPluginInstance } from './promotion.js';
import type { QueueProvider } from './queue.js';
import type { PluginContext } from './context.js';
import type { EnvironmentConfig } from '../config/model.js';

/** The version of the plugin contract this copy of `@deploydb/core` speaks. */
export const PLUGIN_API_VERSION = 1;
/** The tag `definePlugin` puts on a plugin; loaders check it instead of `instanceof`. */
export const PLUGIN_TAG = '@deploydb/plugin';

type EmptyConfig = ReturnType<typeof Type.Object<Record<string, never>>>;

/** What a promotion plugin declares: its type, its schemas, and how its instance is made. */
export interface PromotionPluginSpec<C extends TSchema, S extends TSchema> {
  /** A stable identifier, usually the package name. */
  id: string;
  kind: 'promotion';
  /** The promotion `type:` this plugin provides, e.g. `manual` or `JenkinsPromotion`. */
  type: string;
  /** Schema of the plugin's own `config:` under `plugins:` (defaults are filled in). */
  configSchema?: C;
  /** Schema of a promotion's settings (its keys but `type`). Unknown keys should be refused. */
  settingsSchema: S;
  /**
   * Checks a promotion's settings against one environment it applies in, when the configuration
   * is loaded (e.g. a relative URL needs the environment's `url` or `hosts`). Called for every
   * environment where the promotion applies; each string returned is reported as a problem.
   */
  checkEnvironment?(settings: Static<S>, environment: EnvironmentConfig): string[];
  /** Makes the plugin's instance once the configuration is loaded. */
  create(context: PluginContext<Static<C>>): PromotionPluginInstance<Static<S>> | Promise<PromotionPluginInstance<Static<S>>>;
}

/** What a queue plugin declares: its config schema and how its provider is made. */
export interface QueuePluginSpec<C extends TSchema> {
  id: string;
  kind: 'queue';
  configSchema?: C;
  create(context: PluginContext<Static<C>>): QueueProvider | Promise<QueueProvider>;
}

/** Either kind of plugin spec. */
export type PluginSpec = PromotionPluginSpec<TSchema, TSchema> | QueuePluginSpec<TSchema>;

/** What `definePlugin` returns: a spec tagged so the loader recognises it across copies of core. */
export type PluginDefinition<T extends PluginSpec = PluginSpec> = T & {
  readonly $$type: typeof PLUGIN_TAG;
  readonly apiVersion: number;
  readonly configSchema: TSchema;
};

/**
 * Declares a DeployDB plugin. The package's default export must be the value this returns.
 *
 * ```ts
 * export default definePlugin({
 *   id: 'acme-soak', kind: 'promotion', type: 'SoakTime',
 *   settingsSchema: Type.Object({ seconds: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
 *   create: () => ({ evaluate: (ctx) => ({ status: 'SUCCESS' }) }),
 * });
 * ```
 */
export function definePlugin<C extends TSchema = EmptyConfig, S extends TSchema = TSchema>(
  spec: PromotionPluginSpec<C, S>,
): PluginDefinition<PromotionPluginSpec<C, S>>;
export function definePlugin<C extends TSchema = EmptyConfig>(spec: QueuePluginSpec<C>): PluginDefinition<QueuePluginSpec<C>>;
export function definePlugin(spec: PluginSpec): PluginDefinition {
  return Object.freeze({
    ...spec,
    configSchema: spec.configSchema ?? Type.Object({}, { additionalProperties: false }),
    $$type: PLUGIN_TAG,
    apiVersion: PLUGIN_API_VERSION,
  }) as PluginDefinition;
}

/** True when `value` looks like a plugin made by any copy of `definePlugin`. */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return typeof value === 'object' && value !== null && (value as { $$type?: unknown }).$$type === PLUGIN_TAG;
}
