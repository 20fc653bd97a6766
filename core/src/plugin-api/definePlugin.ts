import type { Static, TSchema } from 'typebox';
import Type from 'typebox';
import type { PromotionPluginInstance } from './promotion.js';
import type { QueueProvider } from './queue.js';
import type { PluginContext, SourceContext } from './context.js';
import type { SubscriberPluginInstance } from './subscriber.js';
import type { SourcePluginInstance } from './source.js';
import type { ResolvedDeps, ServiceDeps, ServiceRef } from './serviceRef.js';
import type { EnvironmentConfig } from '../config/model.js';

/**
 * The version of the plugin contract this copy of `@deploydb/core` speaks. Version 2 added
 * `deps`, `provides` and the `subscriber` and `source` kinds; plugins of version 1 still load.
 */
export const PLUGIN_API_VERSION = 2;
/** The plugin API versions this kernel loads. */
export const SUPPORTED_PLUGIN_API_VERSIONS: readonly number[] = [1, 2];
/** The tag `definePlugin` puts on a plugin; loaders check it instead of `instanceof`. */
export const PLUGIN_TAG = '@deploydb/plugin';

type EmptyConfig = ReturnType<typeof Type.Object<{}>>;
type NoDeps = {};
type Made<T> = T | Promise<T>;

/** What every kind of plugin declares. */
export interface PluginSpecBase<C extends TSchema, D extends ServiceDeps> {
  /** A stable identifier, usually the package name. Plugin routes live under `/api/plugins/<id>`. */
  id: string;
  /** Schema of the plugin's own `config:` under `plugins:` (defaults are filled in). */
  configSchema?: C;
  /** The services the plugin needs, by a name of its choosing: `{ledger: coreServices.ledger}`. */
  deps?: D;
  /** References of the services this plugin provides; its instance answers each in `services`. */
  provides?: readonly ServiceRef<any>[];
}

/** What a promotion plugin declares: its type, its schemas, and how its instance is made. */
export interface PromotionPluginSpec<C extends TSchema, S extends TSchema, D extends ServiceDeps = NoDeps> extends PluginSpecBase<C, D> {
  kind: 'promotion';
  /** The promotion `type:` this plugin provides, e.g. `manual` or `JenkinsPromotion`. */
  type: string;
  /** Schema of a promotion's settings (its keys but `type`). Unknown keys should be refused. */
  settingsSchema: S;
  /**
   * Checks a promotion's settings against one environment it applies in, when the configuration
   * is loaded (e.g. a relative URL needs the environment's `url` or `hosts`). Called for every
   * environment where the promotion applies; each string returned is reported as a problem.
   */
  checkEnvironment?(settings: Static<S>, environment: EnvironmentConfig): string[];
  /** Makes the plugin's instance once the configuration is loaded and its deps are started. */
  create(context: PluginContext<Static<C>, ResolvedDeps<D>>): Made<PromotionPluginInstance<Static<S>>>;
}

/** What a queue plugin declares: its config schema and how its provider is made. */
export interface QueuePluginSpec<C extends TSchema, D extends ServiceDeps = NoDeps> extends PluginSpecBase<C, D> {
  kind: 'queue';
  create(context: PluginContext<Static<C>, ResolvedDeps<D>>): Made<QueueProvider>;
}

/** What a subscriber plugin declares: its instance lists the events it handles (`subscribe`). */
export interface SubscriberPluginSpec<C extends TSchema, D extends ServiceDeps = NoDeps> extends PluginSpecBase<C, D> {
  kind: 'subscriber';
  create(context: PluginContext<Static<C>, ResolvedDeps<D>>): Made<SubscriberPluginInstance>;
}

/** What a source plugin declares: it feeds the ledger through `commands`, started with the kernel. */
export interface SourcePluginSpec<C extends TSchema, D extends ServiceDeps = NoDeps> extends PluginSpecBase<C, D> {
  kind: 'source';
  create(context: SourceContext<Static<C>, ResolvedDeps<D>>): Made<SourcePluginInstance>;
}

/** Any kind of plugin spec. */
export type PluginSpec =
  | PromotionPluginSpec<TSchema, TSchema, ServiceDeps>
  | QueuePluginSpec<TSchema, ServiceDeps>
  | SubscriberPluginSpec<TSchema, ServiceDeps>
  | SourcePluginSpec<TSchema, ServiceDeps>;

/** The kinds of plugin. */
export type PluginKind = PluginSpec['kind'];

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
 *   deps: { ledger: coreServices.ledger },
 *   settingsSchema: Type.Object({ seconds: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
 *   create: ({ deps }) => ({ evaluate: async (ctx) => ({ status: 'SUCCESS' }) }),
 * });
 * ```
 */
export function definePlugin<C extends TSchema = EmptyConfig, S extends TSchema = TSchema, D extends ServiceDeps = NoDeps>(
  spec: PromotionPluginSpec<C, S, D>,
): PluginDefinition<PromotionPluginSpec<C, S, D>>;
export function definePlugin<C extends TSchema = EmptyConfig, D extends ServiceDeps = NoDeps>(spec: QueuePluginSpec<C, D>): PluginDefinition<QueuePluginSpec<C, D>>;
export function definePlugin<C extends TSchema = EmptyConfig, D extends ServiceDeps = NoDeps>(
  spec: SubscriberPluginSpec<C, D>,
): PluginDefinition<SubscriberPluginSpec<C, D>>;
export function definePlugin<C extends TSchema = EmptyConfig, D extends ServiceDeps = NoDeps>(spec: SourcePluginSpec<C, D>): PluginDefinition<SourcePluginSpec<C, D>>;
export function definePlugin(spec: PluginSpec): PluginDefinition {
  return Object.freeze({
    ...spec,
    configSchema: spec.configSchema ?? Type.Object({}, { additionalProperties: false }),
    $$type: PLUGIN_TAG,
    apiVersion: PLUGIN_API_VERSION,
  }) as PluginDefinition;
}

type WithoutKind<T> = Omit<T, 'kind'> & { kind?: never };

/** `definePlugin` for a promotion plugin, typed exactly (no need to narrow on `kind`). */
export function definePromotionPlugin<C extends TSchema = EmptyConfig, S extends TSchema = TSchema, D extends ServiceDeps = NoDeps>(
  spec: WithoutKind<PromotionPluginSpec<C, S, D>>,
): PluginDefinition<PromotionPluginSpec<C, S, D>> {
  return definePlugin<C, S, D>({ ...spec, kind: 'promotion' } as PromotionPluginSpec<C, S, D>);
}

/** `definePlugin` for a queue plugin, typed exactly. */
export function defineQueuePlugin<C extends TSchema = EmptyConfig, D extends ServiceDeps = NoDeps>(
  spec: WithoutKind<QueuePluginSpec<C, D>>,
): PluginDefinition<QueuePluginSpec<C, D>> {
  return definePlugin<C, D>({ ...spec, kind: 'queue' } as QueuePluginSpec<C, D>);
}

/** `definePlugin` for a subscriber plugin, typed exactly. */
export function defineSubscriberPlugin<C extends TSchema = EmptyConfig, D extends ServiceDeps = NoDeps>(
  spec: WithoutKind<SubscriberPluginSpec<C, D>>,
): PluginDefinition<SubscriberPluginSpec<C, D>> {
  return definePlugin<C, D>({ ...spec, kind: 'subscriber' } as SubscriberPluginSpec<C, D>);
}

/** `definePlugin` for a source plugin, typed exactly. */
export function defineSourcePlugin<C extends TSchema = EmptyConfig, D extends ServiceDeps = NoDeps>(
  spec: WithoutKind<SourcePluginSpec<C, D>>,
): PluginDefinition<SourcePluginSpec<C, D>> {
  return definePlugin<C, D>({ ...spec, kind: 'source' } as SourcePluginSpec<C, D>);
}

/** True when `value` looks like a plugin made by any copy of `definePlugin`. */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return typeof value === 'object' && value !== null && (value as { $$type?: unknown }).$$type === PLUGIN_TAG;
}
