import type { Logger } from './logger.js';
import type { Clock } from './clock.js';
import type { SourceCommands } from './source.js';

/** What a plugin's `create` receives; `D` is what its declared `deps` resolved to. */
export interface PluginContext<C, D = {}> {
  /** The plugin's `config:` from deploydb.yaml, validated, defaults filled in. */
  config: C;
  /** The services the plugin declared in `deps`, by the names it gave them. */
  deps: D;
  /** A child logger named after the plugin's package (the same as `coreServices.logger`). */
  logger: Logger;
  clock: Clock;
  /** The folder of deploydb.yaml, for plugins that resolve relative paths. */
  configDir: string;
  /**
   * The installation's id: a UUID kept in its database, the same for every instance of it. A
   * queue provider on a bus that several installations may share names its streams and consumer
   * groups by it, so that none takes another's events. Absent only where a plugin is made
   * outside a kernel (a test).
   */
  installationId?: string;
}

/** What a source plugin's `create` receives: the context, and the ledger's commands. */
export interface SourceContext<C, D = {}> extends PluginContext<C, D> {
  commands: SourceCommands;
}
