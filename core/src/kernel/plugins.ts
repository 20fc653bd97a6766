import path from 'node:path';
import { DeployDbError } from '../errors.js';
import type { DeployDbConfig } from '../config/model.js';
import type { Clock } from '../plugin-api/clock.js';
import type { PluginDefinition } from '../plugin-api/definePlugin.js';
import type { HealthCheck } from '../plugin-api/health.js';
import type { Logger } from '../plugin-api/logger.js';
import type { QueueProvider } from '../plugin-api/queue.js';
import type { SourceCommands } from '../plugin-api/source.js';
import { isServiceRef, type ProvidedService } from '../plugin-api/serviceRef.js';
import type { HealthProbe } from './health.js';
import { Lifecycle, type LifecyclePart } from './lifecycle.js';
import type { PromotionRegistry } from './promotionRegistry.js';
import type { ServiceRegistry } from './serviceRegistry.js';
import { SubscriberRunner } from './subscriberRunner.js';

/** A plugin as a part of the lifecycle, with its health check once it runs. */
interface PluginPart extends LifecyclePart {
  health?(): Promise<HealthCheck>;
}

/** The queue plugin (started first, on its own) or those of `plugins:`. */
export type PluginGroup = 'queue' | 'plugins';

/** A `plugins:` entry (or `queue:`) with the definition its package exports. */
export interface PluginEntry {
  package: string;
  config: Record<string, unknown>;
  definition: PluginDefinition;
}

export interface PluginHostOptions {
  config: DeployDbConfig;
  definitions: ReadonlyMap<string, PluginDefinition>;
  services: ServiceRegistry;
  /** Promotion types, as promotion plugins start. */
  registry: PromotionRegistry;
  logger: Logger;
  clock: Clock;
  /** This installation's id, handed to every plugin (queue providers name what they own on a shared bus by it). */
  installationId: string;
  /** The queue subscribers consume (known once the queue part started). */
  queue(): QueueProvider;
  /** The ledger's commands for a source plugin, as `source:<id>`. */
  commands(pluginId: string): SourceCommands;
}

/**
 * Runs plugins: each is created with its validated config and the services it declared, started,
 * and then its provided services are registered for the plugins that depend on them. The order
 * comes from the dependency graph (a plugin after those providing what it needs, otherwise in
 * the order of deploydb.yaml); stop is the exact reverse, and a failure stops those started.
 * The queue plugin runs first, on its own, since everything else goes through the queue.
 */
export class PluginHost {
  private readonly lifecycles = new Map<PluginGroup, Lifecycle<PluginPart>>();
  private queueProvider: QueueProvider | null = null;

  constructor(private readonly options: PluginHostOptions) {}

  /** The entries of `plugins:` (or of `queue:` alone), with their definitions. */
  entries(which: PluginGroup): PluginEntry[] {
    const { config, definitions } = this.options;
    const listed = which === 'queue' ? (config.queue ? [config.queue] : []) : config.plugins;
    return listed.map((entry) => {
      const definition = definitions.get(entry.package);
      if (!definition) throw new DeployDbError('config_invalid', `plugin "${entry.package}" was not loaded`);
      return { package: entry.package, config: entry.config as Record<string, unknown>, definition };
    });
  }

  /** Starts the queue plugin, if one is configured; answers its provider. */
  async startQueue(): Promise<QueueProvider | null> {
    await this.start('queue');
    return this.queueProvider;
  }

  /** Starts the plugins of `plugins:` in dependency order. */
  async startPlugins(): Promise<void> {
    await this.start('plugins');
  }

  /** Stops the plugins of one group, in exact reverse order of their start. */
  async stop(which: PluginGroup): Promise<void> {
    const lifecycle = this.lifecycles.get(which);
    this.lifecycles.delete(which);
    await lifecycle?.stop();
  }

  /** Each running plugin's health check, named after its package; the queue provider's is `queue`, as the embedded queue's. */
  healthProbes(): Record<string, HealthProbe> {
    return Object.fromEntries(
      [...this.lifecycles].flatMap(([which, lifecycle]) =>
        lifecycle.running.filter((part) => part.health).map((part) => [which === 'queue' ? 'queue' : part.name, () => part.health!()]),
      ),
    );
  }

  private async start(which: PluginGroup): Promise<void> {
    const entries = this.entries(which);
    if (entries.length === 0) return;
    const owners = new Map<string, string>();
    for (const entry of entries) {
      for (const ref of entry.definition.provides ?? []) {
        if (!isServiceRef(ref)) throw new DeployDbError('config_invalid', `plugin "${entry.package}" lists something that is not a service reference in provides`);
        const other = owners.get(ref.id);
        if (other) throw new DeployDbError('config_invalid', `service "${ref.id}" is provided by both "${other}" and "${entry.package}"`);
        owners.set(ref.id, entry.package);
      }
    }
    const missing: string[] = [];
    const parts = entries.map((entry) => {
      const needs = Object.values(entry.definition.deps ?? {});
      const dependsOn = new Set<string>();
      for (const ref of needs) {
        if (!isServiceRef(ref)) {
          missing.push(`"${entry.package}" declares a dependency that is not a service reference`);
          continue;
        }
        const owner = owners.get(ref.id);
        if (owner) dependsOn.add(owner);
        else if (!this.options.services.answersItself(ref.id) && !this.providedEarlier(ref.id)) missing.push(`"${entry.package}" needs service "${ref.id}"`);
      }
      return this.partOf(entry, [...dependsOn]);
    });
    if (missing.length > 0) throw new DeployDbError('config_invalid', `missing dependency: ${missing.join('; ')}, which no plugin provides`);
    this.lifecycles.set(which, await Lifecycle.start(parts, this.options.logger, { noun: 'plugin' }));
  }

  private readonly providedByStarted = new Set<string>();
  private providedEarlier(id: string): boolean {
    return this.providedByStarted.has(id);
  }

  private partOf(entry: PluginEntry, dependsOn: string[]): PluginPart {
    const { definition } = entry;
    const { services, logger, clock, installationId, config } = this.options;
    const scope = services.scope({ id: definition.id, packageName: entry.package });
    const pluginLogger = logger.child({ plugin: entry.package });
    let stops: Array<() => Promise<void>> = [];
    let health: (() => Promise<HealthCheck>) | undefined;
    const part: PluginPart = {
      name: entry.package,
      dependsOn,
      start: async () => {
        stops = [() => scope.dispose()];
        const context = {
          config: entry.config as never,
          deps: scope.resolveAll(definition.deps) as never,
          logger: pluginLogger,
          clock,
          configDir: path.dirname(config.file),
          installationId,
        };
        let provided: readonly ProvidedService<any>[] | undefined;
        switch (definition.kind) {
          case 'queue': {
            const provider = await definition.create(context);
            await provider.start();
            stops.unshift(() => provider.stop());
            this.queueProvider = provider;
            health = () => provider.health();
            break;
          }
          case 'promotion': {
            const instance = await definition.create(context);
            this.options.registry.add(definition.type, instance as never);
            await instance.start?.();
            if (instance.stop) stops.unshift(() => instance.stop!());
            health = instance.health?.bind(instance);
            provided = instance.services;
            break;
          }
          case 'subscriber': {
            const instance = await definition.create(context);
            if (!Array.isArray(instance?.subscribe)) throw new DeployDbError('config_invalid', `subscriber plugin "${entry.package}" must answer subscribe: [...]`);
            const runner = new SubscriberRunner(definition.id, instance.subscribe, this.options.queue(), pluginLogger);
            await instance.start?.();
            if (instance.stop) stops.unshift(() => instance.stop!());
            await runner.start();
            stops.unshift(() => runner.stop());
            health = async () => {
              const own = instance.health ? await instance.health() : { status: 'ok' as const };
              const consuming = runner.health();
              return own.status !== 'ok' ? own : consuming;
            };
            provided = instance.services;
            break;
          }
          case 'source': {
            const instance = await definition.create({ ...context, commands: this.options.commands(definition.id) });
            await instance.start?.();
            if (instance.stop) stops.unshift(() => instance.stop!());
            // A source may also follow events (a mirror of what is registered by other means).
            const runner = instance.subscribe?.length ? new SubscriberRunner(definition.id, instance.subscribe, this.options.queue(), pluginLogger) : null;
            if (runner) {
              await runner.start();
              stops.unshift(() => runner.stop());
            }
            health = async () => {
              const own = instance.health ? await instance.health() : { status: 'ok' as const };
              return own.status !== 'ok' || !runner ? own : runner.health();
            };
            provided = instance.services;
            break;
          }
          default:
            throw new DeployDbError('config_invalid', `plugin "${entry.package}" is of an unknown kind`);
        }
        this.provideAll(entry, provided);
      },
      stop: async () => {
        for (const stop of stops.splice(0)) await stop();
      },
      health: () => (health ? health() : Promise.resolve({ status: 'ok' })),
    };
    return part;
  }

  /** Registers what a started plugin provides: exactly the references in its `provides`. */
  private provideAll(entry: PluginEntry, provided: readonly ProvidedService<any>[] | undefined): void {
    const declared = entry.definition.provides ?? [];
    const answered = new Map((provided ?? []).map((service) => [service.ref?.id, service]));
    const unanswered = declared.filter((ref) => !answered.has(ref.id)).map((ref) => ref.id);
    if (unanswered.length > 0) throw new DeployDbError('config_invalid', `plugin "${entry.package}" declares it provides ${unanswered.map((id) => `"${id}"`).join(', ')} but its instance does not answer them in services`);
    const undeclared = [...answered.keys()].filter((id) => !declared.some((ref) => ref.id === id));
    if (undeclared.length > 0) throw new DeployDbError('config_invalid', `plugin "${entry.package}" answers ${undeclared.map((id) => `"${id}"`).join(', ')} without listing it in provides`);
    for (const ref of declared) {
      this.options.services.provide(entry.package, ref, answered.get(ref.id)!.value);
      this.providedByStarted.add(ref.id);
    }
  }
}
