import path from 'node:path';
import type { DeployDbConfig } from '../config/model.js';
import type { Clock } from '../plugin-api/clock.js';
import type { PluginDefinition } from '../plugin-api/definePlugin.js';
import type { Logger } from '../plugin-api/logger.js';
import type { QueueProvider } from '../plugin-api/queue.js';
import type { HealthProbe } from './health.js';
import type { PromotionRegistry } from './promotionRegistry.js';

interface Lifecycle {
  /** The package, or "queue" for the queue provider: the name of its health check. */
  name: string;
  start?(): Promise<void>;
  stop?(): Promise<void>;
  health?(): Promise<import('../plugin-api/health.js').HealthCheck>;
}

export interface StartedPlugins {
  queue: QueueProvider | null;
  /** Stops every started plugin, in reverse order of start. */
  stop(): Promise<void>;
  healthProbes(): Record<string, HealthProbe>;
}

export interface StartPluginsOptions {
  config: DeployDbConfig;
  /** This installation's id, handed to every plugin (queue providers name what they own on a shared bus by it). */
  installationId: string;
  definitions: ReadonlyMap<string, PluginDefinition>;
  registry: PromotionRegistry;
  logger: Logger;
  clock: Clock;
}

/**
 * Creates each plugin with its validated config, in the order of deploydb.yaml (the queue
 * first), registers promotion types, and starts them in that order. A failure stops those
 * already started.
 */
export async function startPlugins({ config, definitions, registry, logger, clock, installationId }: StartPluginsOptions): Promise<StartedPlugins> {
  const started: Lifecycle[] = [];
  let queue: QueueProvider | null = null;
  const stopAll = async () => {
    for (const plugin of [...started].reverse()) {
      try {
        await plugin.stop?.();
      } catch (error) {
        logger.error({ err: error, plugin: plugin.name }, 'plugin failed to stop');
      }
    }
  };
  const entries = [...(config.queue ? [config.queue] : []), ...config.plugins];
  try {
    for (const entry of entries) {
      const definition = definitions.get(entry.package);
      if (!definition) throw new Error(`plugin "${entry.package}" was not loaded`);
      const context = {
        config: entry.config as never,
        logger: logger.child({ plugin: entry.package }),
        clock,
        configDir: path.dirname(config.file),
        installationId,
        deps: {},
      };
      if (definition.kind === 'queue') {
        const provider = await definition.create(context);
        queue = provider;
        await provider.start();
        started.push({ name: 'queue', stop: () => provider.stop(), health: () => provider.health() });
      } else if (definition.kind === 'promotion') {
        const instance = await definition.create(context);
        registry.add(definition.type, instance as never);
        await instance.start?.();
        started.push({ name: entry.package, stop: instance.stop?.bind(instance), health: instance.health?.bind(instance) });
      } else {
        throw new Error(`plugin "${entry.package}" is of kind ${definition.kind}, which this kernel does not run yet`);
      }
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    queue,
    stop: stopAll,
    healthProbes: () =>
      Object.fromEntries(
        started.filter((p) => p.health).map((p) => [p.name, () => p.health!()]),
      ),
  };
}
