import type { Logger } from './logger.js';
import type { Clock } from './clock.js';

/** What a plugin's `create` receives. */
export interface PluginContext<C> {
  /** The plugin's `config:` from deploydb.yaml, validated, defaults filled in. */
  config: C;
  /** A child logger named after the plugin. */
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
