import type { TSchema } from 'typebox';
import {
  isPluginDefinition,
  PLUGIN_API_VERSION,
  SUPPORTED_PLUGIN_API_VERSIONS,
  type PluginDefinition,
  type PluginKind,
  type PromotionPluginSpec,
  type QueuePluginSpec,
} from '../plugin-api/definePlugin.js';
import type { Problem } from './problems.js';

/**
 * Imports a plugin package and returns its default export. Supplied by the kernel; when the
 * package is not installed it throws an Error whose message says so and how to install it.
 */
export type DescribePlugin = (packageName: string, configDir: string) => Promise<PluginDefinition>;

export type PromotionDefinition = PluginDefinition<PromotionPluginSpec<TSchema, TSchema>>;
export type QueueDefinition = PluginDefinition<QueuePluginSpec<TSchema>>;
/** A plugin listed under `plugins:`: any kind but a queue. */
export type ListedDefinition = Exclude<PluginDefinition, QueueDefinition>;

/** The kinds a `plugins:` entry may be. */
const LISTED_KINDS: readonly PluginKind[] = ['promotion', 'subscriber', 'source'];

export interface LoadedPlugins {
  /** By index of `plugins:` (promotion, subscriber and source plugins); undefined where the entry could not be used. */
  listed: (ListedDefinition | undefined)[];
  queue: QueueDefinition | undefined;
  /** Promotion types by name, with the index of the `plugins:` entry that provides each. */
  types: Map<string, { definition: PromotionDefinition; index: number }>;
  /** False when some listed package could not be used: a promotion type may be missing for that reason. */
  complete: boolean;
  problems: Problem[];
}

/**
 * Describes every plugin package the configuration names (`plugins[].package` and
 * `queue.plugin`), in parallel, and checks that each is a plugin of the right kind. Works on the
 * data as parsed, so that a missing package is reported together with the file's other problems.
 */
export async function loadPlugins(data: unknown, describe: DescribePlugin, configDir: string): Promise<LoadedPlugins> {
  const document = isRecord(data) ? data : {};
  const listed = document.plugins === undefined ? [] : Array.isArray(document.plugins) ? document.plugins : undefined;
  const entries = (listed ?? []).map((entry) => packageOf(entry));
  const queueName = isRecord(document.queue) ? packageOf(document.queue, 'plugin') : undefined;

  // A describer that throws synchronously is reported like one that rejects.
  const describeOne = (name: string | undefined) =>
    name === undefined
      ? Promise.resolve(undefined)
      : Promise.resolve()
          .then(() => describe(name, configDir))
          .then((definition) => ({ definition }), (error: unknown) => ({ error }));
  const [queueResult, ...results] = await Promise.all([describeOne(queueName), ...entries.map(describeOne)]);

  const problems: Problem[] = [];
  const loaded: LoadedPlugins = { listed: [], queue: undefined, types: new Map(), complete: listed !== undefined, problems };

  const firstIndex = new Map<string, number>();
  results.forEach((result, index) => {
    const pointer = `/plugins/${index}/package`;
    const name = entries[index];
    if (name === undefined || result === undefined) {
      loaded.complete = false;
      loaded.listed.push(undefined);
      return;
    }
    const first = firstIndex.get(name);
    if (first !== undefined) {
      problems.push({ pointer, message: `"${name}" is already listed as plugins[${first}]` });
      loaded.listed.push(undefined);
      return;
    }
    firstIndex.set(name, index);
    const definition = usable(name, result, LISTED_KINDS, pointer, problems) as ListedDefinition | undefined;
    loaded.listed.push(definition);
    if (!definition) {
      loaded.complete = false;
      return;
    }
    if (definition.kind !== 'promotion') return;
    const provider = loaded.types.get(definition.type);
    if (provider) {
      problems.push({ pointer, message: `promotion type "${definition.type}" is already provided by "${entries[provider.index]}" (plugins[${provider.index}])` });
      return;
    }
    loaded.types.set(definition.type, { definition, index });
  });

  if (queueName !== undefined && queueResult !== undefined) {
    loaded.queue = usable(queueName, queueResult, ['queue'], '/queue/plugin', problems) as QueueDefinition | undefined;
  }
  return loaded;
}

function usable(
  name: string,
  result: { definition: PluginDefinition } | { error: unknown },
  kinds: readonly PluginKind[],
  pointer: string,
  problems: Problem[],
): PluginDefinition | undefined {
  if ('error' in result) {
    const message = result.error instanceof Error ? result.error.message : String(result.error);
    problems.push({ pointer, message });
    return undefined;
  }
  const { definition } = result;
  if (!isPluginDefinition(definition)) {
    problems.push({ pointer, message: `"${name}" is not a DeployDB plugin: its default export must be made by definePlugin` });
    return undefined;
  }
  if (!SUPPORTED_PLUGIN_API_VERSIONS.includes(definition.apiVersion)) {
    problems.push({
      pointer,
      message: `"${name}" is made for plugin API version ${definition.apiVersion}; this DeployDB speaks version ${PLUGIN_API_VERSION} (and loads ${SUPPORTED_PLUGIN_API_VERSIONS.join(', ')})`,
    });
    return undefined;
  }
  if (!kinds.includes(definition.kind)) {
    const where = definition.kind === 'queue' ? 'name it as queue.plugin' : 'list it under plugins';
    problems.push({ pointer, message: `"${name}" is a ${definition.kind} plugin, not a ${kinds.join(', ').replace(/, (\w+)$/, ' or $1')} plugin: ${where}` });
    return undefined;
  }
  return definition;
}

function packageOf(entry: unknown, key = 'package'): string | undefined {
  if (!isRecord(entry)) return undefined;
  const name = entry[key];
  return typeof name === 'string' && name.trim() !== '' ? name : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
