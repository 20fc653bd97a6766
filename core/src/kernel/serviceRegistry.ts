import { DeployDbError } from '../errors.js';
import { isServiceRef, type ServiceRef } from '../plugin-api/serviceRef.js';

/*
 * Why not tsyringe: tsyringe 4.10.0 throws when it is imported unless a Reflect metadata
 * polyfill is installed first ("tsyringe requires a reflect polyfill"), even for value and
 * factory registrations that never read metadata. Installing one means a global
 * `Reflect.getMetadata` that every library in the process then sees, and a bundled core hoists
 * the `tsyringe` import above any code that could install it only around the import. What the
 * plugins need of a container is small: values and factories under the references' ids, a child
 * scope per plugin, overrides for tests. This module is that, behind the same public API
 * (createServiceRef, coreServices, deps, provides), so the choice stays inside core.
 */

/** Whom a service is being resolved for: a plugin, by its id and package. */
export interface PluginScope {
  id: string;
  packageName: string;
}

/** A value made for one plugin, and how to release it when the plugin stops. */
export interface ScopedValue {
  value: unknown;
  dispose?(): Promise<void>;
}

/** Makes a core service's value for one plugin (its logger, its routes, its scheduler...). */
export type CoreServiceFactory = (scope: PluginScope) => ScopedValue;

/**
 * The services plugins depend on, by reference id: the kernel's (one factory each, made per
 * plugin), those plugins provide (registered once their plugin has started), and replacements
 * that win over both (the test harness's `services`).
 */
export class ServiceRegistry {
  private readonly provided = new Map<string, { owner: string; value: unknown }>();

  constructor(
    private readonly core: ReadonlyMap<string, CoreServiceFactory>,
    private readonly replacements: ReadonlyMap<string, unknown> = new Map(),
  ) {}

  /** Whether the kernel answers `id` itself (a core service, or a replacement), needing no plugin. */
  answersItself(id: string): boolean {
    return this.core.has(id) || this.replacements.has(id);
  }

  /** Registers a plugin's service, once it has started. */
  provide(owner: string, ref: ServiceRef<unknown>, value: unknown): void {
    if (!isServiceRef(ref)) throw new DeployDbError('config_invalid', `plugin "${owner}" provides something that is not a service reference`);
    const existing = this.provided.get(ref.id);
    if (existing) throw new DeployDbError('config_invalid', `service "${ref.id}" is provided by both "${existing.owner}" and "${owner}"`);
    if (this.replacements.has(ref.id)) return;
    this.provided.set(ref.id, { owner, value });
  }

  /** A scope for one plugin: what it resolves is made for it; `dispose` releases that. */
  scope(plugin: PluginScope): ServiceScope {
    return new ServiceScope(plugin, this.core, this.replacements, this.provided);
  }
}

/** One plugin's view of the registry (its child container). */
export class ServiceScope {
  private readonly made = new Map<string, ScopedValue>();

  constructor(
    private readonly plugin: PluginScope,
    private readonly core: ReadonlyMap<string, CoreServiceFactory>,
    private readonly replacements: ReadonlyMap<string, unknown>,
    private readonly provided: ReadonlyMap<string, { value: unknown }>,
  ) {}

  resolve<T>(ref: ServiceRef<T>): T {
    if (!isServiceRef(ref)) throw new DeployDbError('config_invalid', `plugin "${this.plugin.packageName}" declares a dependency that is not a service reference`);
    if (this.replacements.has(ref.id)) return this.replacements.get(ref.id) as T;
    const factory = this.core.get(ref.id);
    if (factory) {
      let made = this.made.get(ref.id);
      if (!made) this.made.set(ref.id, (made = factory(this.plugin)));
      return made.value as T;
    }
    const provided = this.provided.get(ref.id);
    if (provided) return provided.value as T;
    throw new DeployDbError('config_invalid', `plugin "${this.plugin.packageName}" needs service "${ref.id}", which no plugin provides`);
  }

  /** Resolves every declared dependency, by the names the plugin gave them. */
  resolveAll(deps: Readonly<Record<string, ServiceRef<unknown>>> | undefined): Record<string, unknown> {
    return Object.fromEntries(Object.entries(deps ?? {}).map(([name, ref]) => [name, this.resolve(ref)]));
  }

  /** Releases what was made for the plugin (stops its scheduled tasks). */
  async dispose(): Promise<void> {
    const made = [...this.made.values()].reverse();
    this.made.clear();
    for (const value of made) await value.dispose?.();
  }
}
